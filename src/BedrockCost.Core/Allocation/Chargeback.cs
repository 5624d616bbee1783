namespace BedrockCost.Core.Allocation;

/// <summary>What happens to cost that has no cost centre (unattributed cost, untagged principals, credits, tax...).</summary>
public enum UnallocatedPolicy
{
    /// <summary>Stays visible on "(unallocated)" lines.</summary>
    Keep,
    /// <summary>Split over the cost centres in proportion to their direct (attributed) cost.</summary>
    Proportional,
    /// <summary>Split evenly over the cost centres that have direct cost.</summary>
    Even,
    /// <summary>Charged to one cost centre, the unallocated owner.</summary>
    Assign,
}

/// <summary>Where a chargeback line's cost comes from.</summary>
public enum ChargebackLineType
{
    /// <summary>Cost of a principal that has a cost centre.</summary>
    Direct,
    /// <summary>Cost with no cost centre, kept visible (policy Keep, or nothing to allocate it to).</summary>
    Unallocated,
    /// <summary>A share of one unallocated line charged to a cost centre by the policy.</summary>
    Allocation,
}

/// <summary>
/// One line of a chargeback statement: a billing period x cost centre x principal x model (Direct and
/// Unallocated lines), or one cost centre's share of one unallocated line (Allocation lines, which name their
/// source in <see cref="AllocatedFrom"/> and carry the same principal and model). Every line carries its cost in
/// both bases and its tokens, shares included, so the lines add up exactly to the source's Bedrock total in
/// cost and in tokens, per billing period.
/// </summary>
public sealed class ChargebackLine : CostDimensions
{
    public const string UnallocatedCostCenter = "(unallocated)";

    public ChargebackLine() { }

    /// <summary>A line of the principal and model of <paramref name="source"/>.</summary>
    internal ChargebackLine(CostDimensions source) : base(source) { }

    public string CostCenter { get; init; } = UnallocatedCostCenter;
    public string? Owner { get; init; }
    public ChargebackLineType LineType { get; init; }
    public string Currency { get; init; } = "USD";

    /// <summary>Cost per the statement's cost basis; for Allocation lines the share charged.</summary>
    public decimal Cost { get; init; }
    /// <summary>Unblended and net unblended cost of the line (of the share, on Allocation lines: split like Cost).</summary>
    public decimal UnblendedCost { get; init; }
    public decimal NetUnblendedCost { get; init; }
    public string CostBasis { get; init; } = "Unblended";

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long TotalTokens => InputTokens + OutputTokens + CacheReadTokens + CacheWriteTokens;

    /// <summary>How the cost centre was found: Mapping, Tag, or empty (none); Policy on Allocation lines.</summary>
    public string AssignedBy { get; init; } = string.Empty;
    /// <summary>Why the cost had no cost centre (unattributed reason, "untagged principal"); empty on Direct lines.</summary>
    public string Reason { get; init; } = string.Empty;
    /// <summary>On Allocation lines: the unallocated line this share comes from.</summary>
    public string AllocatedFrom { get; init; } = string.Empty;
    /// <summary>On Allocation lines: the fraction of the source line charged here (weights before rounding).</summary>
    public decimal? AllocationShare { get; init; }
    public UnallocatedPolicy Policy { get; init; }
    /// <summary>The billing period of the line, YYYY-MM (comma separated when the input rows covered several at once).</summary>
    public string BillingPeriod { get; init; } = string.Empty;
    /// <summary>The cost centre's budget for the line's period (monthly budget x billing periods), when known.</summary>
    public decimal? Budget { get; init; }
    /// <summary>Tag values of the line's cost rows (the grouped tags, or the principal's carried tags) that all its rows share.</summary>
    public IReadOnlyDictionary<string, string> Tags { get => _tags; init => _tags = TagValues.From(value); }
    private readonly TagValues _tags = TagValues.Empty;

    /// <summary>The principal shortened to its resource part and account, for tables.</summary>
    public string? PrincipalName => Classification.PrincipalParser.ShortName(Principal);

    public override string ToString() => $"{CostCenter} {LineType} {PrincipalName} {Model} {Cost} {Currency}";
}

/// <summary>One cost centre's total in one currency, for one billing period (or for the whole statement).</summary>
public sealed class CostCenterTotal
{
    /// <summary>The billing period; the statement's periods, comma separated, for a total over all of them.</summary>
    public string BillingPeriod { get; init; } = string.Empty;
    public string CostCenter { get; init; } = string.Empty;
    public string? Owner { get; init; }
    public string Currency { get; init; } = "USD";
    public decimal DirectCost { get; init; }
    public decimal AllocatedCost { get; init; }
    public decimal UnallocatedCost { get; init; }
    public decimal Total => DirectCost + AllocatedCost + UnallocatedCost;
    public decimal UnblendedCost { get; init; }
    public decimal NetUnblendedCost { get; init; }
    public long TotalTokens { get; init; }
    public decimal? Budget { get; init; }
    /// <summary>Total as a percentage of the budget, when a positive budget is known.</summary>
    public decimal? BudgetUsedPercent => Budget is > 0 ? Math.Round(Total / Budget.Value * 100m, 2) : null;
}

/// <summary>
/// The check every statement carries, per billing period and currency: the lines add up to the source's Bedrock
/// total, in cost and in tokens.
/// </summary>
public sealed class ChargebackReconciliation
{
    public string BillingPeriod { get; init; } = string.Empty;
    public string Currency { get; init; } = "USD";
    /// <summary>Bedrock total of the source (the query's selection, or the sum of the input rows).</summary>
    public decimal SourceTotal { get; init; }
    /// <summary>Sum of the statement's lines.</summary>
    public decimal AllocatedTotal { get; init; }
    public decimal Difference => AllocatedTotal - SourceTotal;
    /// <summary>Tokens of the source (all directions) and of the statement's lines.</summary>
    public long SourceTokens { get; init; }
    public long AllocatedTokens { get; init; }
    public long TokenDifference => AllocatedTokens - SourceTokens;
    public bool Reconciles => Math.Abs(Difference) <= 0.000001m && TokenDifference == 0;
    /// <summary>What the source total is (for example "Bedrock total of the CUR data read"); says INCOMPLETE when line items were left out.</summary>
    public string SourceDescription { get; init; } = string.Empty;
    /// <summary>Bedrock line items of the source that could not be read and are in no figure; zero when the source is complete.</summary>
    public long LineItemsLeftOut { get; init; }
}

/// <summary>A report breakdown row: a key (day, model, token type, principal) with its cost and tokens.</summary>
public sealed class CostBreakdown
{
    public string Key { get; init; } = string.Empty;
    public string? Detail { get; init; }
    public string Currency { get; init; } = "USD";
    public decimal Cost { get; init; }
    public long Tokens { get; init; }
}

/// <summary>
/// A chargeback statement: lines, cost-centre totals (over the statement, and per billing period), the
/// reconciliation per billing period and currency, and report series.
/// </summary>
public sealed class ChargebackStatement
{
    public IReadOnlyList<ChargebackLine> Lines { get; init; } = Array.Empty<ChargebackLine>();
    /// <summary>Cost-centre totals over the whole statement (budget = monthly budget x billing periods).</summary>
    public IReadOnlyList<CostCenterTotal> CostCenters { get; init; } = Array.Empty<CostCenterTotal>();
    /// <summary>Cost-centre totals per billing period (budget = the monthly budget); one period: the same as <see cref="CostCenters"/>.</summary>
    public IReadOnlyList<CostCenterTotal> CostCentersByPeriod { get; init; } = Array.Empty<CostCenterTotal>();
    public IReadOnlyList<ChargebackReconciliation> Reconciliation { get; init; } = Array.Empty<ChargebackReconciliation>();
    /// <summary>Payer (billing) account of each usage account, when the source named them (FOCUS BillingAccountId).</summary>
    public IReadOnlyDictionary<string, string> BillingAccounts { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public string CostBasis { get; init; } = "Unblended";
    public UnallocatedPolicy Policy { get; init; }
    public string? UnallocatedOwner { get; init; }
    public string? CostCenterTag { get; init; }
    public string? MappingFile { get; init; }
    /// <summary>The source as reports name it: the export's name or S3 URI, never a local path.</summary>
    public string Source { get; init; } = string.Empty;
    public DateTime GeneratedAt { get; init; } = DateTime.UtcNow;

    /// <summary>Bedrock cost per day (Key yyyy-MM-dd; Detail "attributed" or "unattributed"); empty without daily input.</summary>
    public IReadOnlyList<CostBreakdown> Daily { get; init; } = Array.Empty<CostBreakdown>();
    /// <summary>Cost per model (Key) and token direction (Detail).</summary>
    public IReadOnlyList<CostBreakdown> ByModelAndTokenType { get; init; } = Array.Empty<CostBreakdown>();
    /// <summary>Cost per principal (Key), cost centre in Detail, largest first.</summary>
    public IReadOnlyList<CostBreakdown> ByPrincipal { get; init; } = Array.Empty<CostBreakdown>();

    /// <summary>Rounding of allocated shares, stated in every report.</summary>
    public const int AllocationDecimals = 10;

    public bool Reconciles => Reconciliation.All(r => r.Reconciles);

    /// <summary>Every Bedrock line item of the source is in the statement (none was left out as unreadable).</summary>
    public bool IsComplete => Reconciliation.All(r => r.LineItemsLeftOut == 0);

    /// <summary>The statement's check as one sentence: per period and currency, cost and tokens; INCOMPLETE when line items were left out.</summary>
    public string ReconciliationText() =>
        (Reconciliation.Count == 0
            ? $"Reconciliation ({(BillingPeriods.Count == 0 ? "no billing period" : string.Join(", ", BillingPeriods))}): no Bedrock cost in the source; nothing allocated."
            : "Reconciliation: " + string.Join("; ", Reconciliation.Select(r =>
                $"{r.BillingPeriod} {r.Currency}: source {ExactAmount.Text(r.SourceTotal)}, allocated {ExactAmount.Text(r.AllocatedTotal)}, " +
                $"difference {ExactAmount.Text(r.Difference)}; tokens: source {r.SourceTokens}, allocated {r.AllocatedTokens}, difference {r.TokenDifference}")) + ".") +
        (IsComplete ? string.Empty : " " + CostResult.IncompleteText(Reconciliation.Max(r => r.LineItemsLeftOut)));
}
