namespace BedrockCost.Core;

/// <summary>
/// Bedrock cost of one group (one principal by default). Dimensions that were not grouped are null.
/// Property names are the contract with the module's other cmdlets (binding by property name) and with
/// users' scripts: keep them stable.
/// </summary>
public sealed class PrincipalCost
{
    /// <summary>Billing period(s) the row covers, YYYY-MM (comma separated when several).</summary>
    public string BillingPeriod { get; init; } = string.Empty;
    public string? Principal { get; init; }
    public string? PrincipalType { get; init; }
    public string? Person { get; init; }
    public string? Role { get; init; }
    public string? Session { get; init; }
    public string? Account { get; init; }
    public string? Model { get; init; }
    public string? TokenType { get; init; }
    public string? Tier { get; init; }
    public string? Region { get; init; }
    public string? UsageType { get; init; }
    /// <summary>Usage day (UTC midnight) when grouped by Day.</summary>
    public DateTime? Day { get; init; }
    /// <summary>Usage month, YYYY-MM, when grouped by Month.</summary>
    public string? Month { get; init; }
    /// <summary>Values of the grouped tag keys ("(untagged)" when absent).</summary>
    public IReadOnlyDictionary<string, string> Tags { get => _tags; init => _tags = TagValues.From(value); }
    private readonly TagValues _tags = TagValues.Empty;
    /// <summary>Why the cost has no principal (credit, tax, discount, no principal...); empty when attributed.</summary>
    public string UnattributedReason { get; init; } = string.Empty;
    public bool IsAttributed => UnattributedReason.Length == 0;

    /// <summary>Cost per the chosen basis.</summary>
    public decimal Cost { get; init; }
    public decimal UnblendedCost { get; init; }
    public decimal NetUnblendedCost { get; init; }
    public string CostBasis { get; init; } = "Unblended";
    public string Currency { get; init; } = "USD";

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long TotalTokens => InputTokens + OutputTokens + CacheReadTokens + CacheWriteTokens;

    /// <summary>Cost per one million tokens (all directions); null when the group has no tokens.</summary>
    public decimal? CostPer1MTokens => TotalTokens == 0 ? null : Math.Round(Cost / TotalTokens * 1_000_000m, 6);

    public long LineItemCount { get; init; }
    /// <summary>Where the figures come from: CUR or CostExplorer.</summary>
    public string Source { get; init; } = "CUR";
    /// <summary>The dimensions this row was grouped by.</summary>
    public IReadOnlyList<string> GroupBy { get => _groupBy; init => _groupBy = DimensionNames.From(value); }
    private readonly DimensionNames _groupBy = DimensionNames.Empty;

    /// <summary>First grouped tag value, for tables and Group-Object.</summary>
    public string? TagValue => Tags.Count == 0 ? null : Tags.First().Value;

    /// <summary>Display text of the grouped dimensions, principals shortened to their resource part.</summary>
    public string Group
    {
        get
        {
            var text = string.Join(" | ", GroupBy.Select(DisplayValue));
            if (IsAttributed) return text;
            var label = $"(unattributed: {UnattributedReason})";
            return text.Contains(Aggregation.Aggregator.Unattributed) ? text.Replace(Aggregation.Aggregator.Unattributed, label) : $"{text} {label}";
        }
    }

    private string? DisplayValue(string dimension) => dimension switch
    {
        "Principal" => Principal is { } p && p.Split(':', 6) is { Length: 6 } parts ? $"{parts[5]} ({parts[4]})" : Principal,
        "PrincipalType" => PrincipalType,
        "Person" => Person,
        "Role" => Role,
        "Account" => Account,
        "Model" => Model,
        "TokenType" => TokenType,
        "Region" => Region,
        "UsageType" => UsageType,
        "Day" => Day?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        "Month" => Month,
        _ => Tags.TryGetValue(dimension, out var v) ? v : null,
    };

    internal static readonly IReadOnlyDictionary<string, string> EmptyTags = TagValues.Empty;

    public override string ToString() => $"{Principal ?? Model ?? TagValue ?? UnattributedReason} {Cost} {Currency}";
}

/// <summary>Totals of one currency in the data read.</summary>
public sealed class CurrencyTotal
{
    public string Currency { get; init; } = "USD";
    public decimal UnblendedCost { get; set; }
    public decimal NetUnblendedCost { get; set; }
    public decimal AttributedUnblendedCost { get; set; }
    public decimal AttributedNetUnblendedCost { get; set; }
    public long LineItems { get; set; }
    public decimal Cost(Aggregation.CostBasis basis) => basis == Aggregation.CostBasis.NetUnblended ? NetUnblendedCost : UnblendedCost;
}

/// <summary>The answer to a query: rows, totals to reconcile against, and what was read.</summary>
public sealed class CostResult
{
    public IReadOnlyList<PrincipalCost> Rows { get; init; } = Array.Empty<PrincipalCost>();
    /// <summary>Bedrock totals of the data read for the period, before the principal/model/account/tag filters.</summary>
    public IReadOnlyList<CurrencyTotal> BedrockTotals { get; init; } = Array.Empty<CurrencyTotal>();
    /// <summary>Totals of the rows selected by the filters; equals <see cref="BedrockTotals"/> without filters.</summary>
    public IReadOnlyList<CurrencyTotal> SelectedTotals { get; init; } = Array.Empty<CurrencyTotal>();
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public Aggregation.CostBasis CostBasis { get; init; }
    public string Source { get; init; } = "CUR";
    public int FilesRead { get; init; }
    public long RowsScanned { get; init; }
    public long BedrockLineItems { get; init; }
    public bool HasPrincipalData { get; init; } = true;
    public IReadOnlyList<string> UnrecognisedUsageTypes { get; init; } = Array.Empty<string>();

    /// <summary>One sentence a report prints: rows sum to the total, per currency.</summary>
    public string ReconciliationText()
    {
        var parts = SelectedTotals.Select(t =>
        {
            var rowsSum = Rows.Where(r => r.Currency == t.Currency).Sum(r => r.Cost);
            var total = t.Cost(CostBasis);
            var bedrock = BedrockTotals.FirstOrDefault(b => b.Currency == t.Currency)?.Cost(CostBasis) ?? 0m;
            var filtered = total != bedrock ? $" (filters selected {total:0.########} of the Bedrock total {bedrock:0.########})" : string.Empty;
            return $"{t.Currency}: rows sum to {rowsSum:0.########}, Bedrock total of the data read {total:0.########}, difference {rowsSum - total:0.########}{filtered}";
        });
        return $"Reconciliation ({CostBasis} cost, {string.Join(", ", BillingPeriods)}): {string.Join("; ", parts)}.";
    }
}

/// <summary>
/// Tag values of a row. A dictionary (PowerShell keeps it whole, as it does hashtables); as text (Export-Csv,
/// string interpolation) it is "key=value; key=value" rather than a type name.
/// </summary>
public sealed class TagValues : System.Collections.ObjectModel.ReadOnlyDictionary<string, string>
{
    public static readonly TagValues Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private TagValues(IDictionary<string, string> values) : base(values) { }

    public static TagValues From(IReadOnlyDictionary<string, string>? values) =>
        values as TagValues ?? (values is null || values.Count == 0 ? Empty
            : new TagValues(values as IDictionary<string, string> ?? values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)));

    public override string ToString() => string.Join("; ", this.Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>The dimensions a row was grouped by; as text, "Model,TokenType".</summary>
public sealed class DimensionNames : System.Collections.ObjectModel.ReadOnlyCollection<string>
{
    public static readonly DimensionNames Empty = new(Array.Empty<string>());
    private DimensionNames(IList<string> names) : base(names) { }

    public static DimensionNames From(IReadOnlyList<string>? names) =>
        names as DimensionNames ?? (names is null || names.Count == 0 ? Empty : new DimensionNames(names.ToArray()));

    public override string ToString() => string.Join(",", this);
}
