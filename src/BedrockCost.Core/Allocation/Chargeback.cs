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
/// One line of a chargeback statement: a cost centre x principal x model (Direct and Unallocated lines), or
/// one cost centre's share of one unallocated line (Allocation lines, which name their source in
/// <see cref="AllocatedFrom"/>). The lines of a statement add up exactly to the source's Bedrock total.
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
    /// <summary>Unblended / net unblended cost of Direct and Unallocated lines; null on Allocation lines.</summary>
    public decimal? UnblendedCost { get; init; }
    public decimal? NetUnblendedCost { get; init; }
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
    public string BillingPeriod { get; init; } = string.Empty;
    /// <summary>The cost centre's budget for the statement period (monthly budget x billing periods), when known.</summary>
    public decimal? Budget { get; init; }

    /// <summary>The principal shortened to its resource part and account, for tables.</summary>
    public string? PrincipalName => Classification.PrincipalParser.ShortName(Principal);

    public override string ToString() => $"{CostCenter} {LineType} {PrincipalName} {Model} {Cost} {Currency}";
}

/// <summary>One cost centre's total in one currency.</summary>
public sealed class CostCenterTotal
{
    public string CostCenter { get; init; } = string.Empty;
    public string? Owner { get; init; }
    public string Currency { get; init; } = "USD";
    public decimal DirectCost { get; init; }
    public decimal AllocatedCost { get; init; }
    public decimal UnallocatedCost { get; init; }
    public decimal Total => DirectCost + AllocatedCost + UnallocatedCost;
    public long TotalTokens { get; init; }
    public decimal? Budget { get; init; }
    /// <summary>Total as a percentage of the budget, when a positive budget is known.</summary>
    public decimal? BudgetUsedPercent => Budget is > 0 ? Math.Round(Total / Budget.Value * 100m, 2) : null;
}

/// <summary>The check every statement carries: the lines add up to the source's Bedrock total.</summary>
public sealed class ChargebackReconciliation
{
    public string Currency { get; init; } = "USD";
    /// <summary>Bedrock total of the source (the query's selection, or the sum of the input rows).</summary>
    public decimal SourceTotal { get; init; }
    /// <summary>Sum of the statement's lines.</summary>
    public decimal AllocatedTotal { get; init; }
    public decimal Difference => AllocatedTotal - SourceTotal;
    public bool Reconciles => Math.Abs(Difference) <= 0.000001m;
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

/// <summary>A chargeback statement: lines, cost-centre totals, reconciliation per currency and report series.</summary>
public sealed class ChargebackStatement
{
    public IReadOnlyList<ChargebackLine> Lines { get; init; } = Array.Empty<ChargebackLine>();
    public IReadOnlyList<CostCenterTotal> CostCenters { get; init; } = Array.Empty<CostCenterTotal>();
    public IReadOnlyList<ChargebackReconciliation> Reconciliation { get; init; } = Array.Empty<ChargebackReconciliation>();
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public string CostBasis { get; init; } = "Unblended";
    public UnallocatedPolicy Policy { get; init; }
    public string? UnallocatedOwner { get; init; }
    public string? CostCenterTag { get; init; }
    public string? MappingFile { get; init; }
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

    public string ReconciliationText() =>
        (Reconciliation.Count == 0
            ? $"Reconciliation ({(BillingPeriods.Count == 0 ? "no billing period" : string.Join(", ", BillingPeriods))}): no Bedrock cost in the source; nothing allocated."
            : "Reconciliation: " + string.Join("; ", Reconciliation.Select(r =>
                $"{r.Currency}: source {r.SourceTotal:0.##########}, allocated {r.AllocatedTotal:0.##########}, difference {r.Difference:0.##########}")) + ".") +
        (IsComplete ? string.Empty : " " + CostResult.IncompleteText(Reconciliation.Max(r => r.LineItemsLeftOut)));
}
