namespace BedrockCost.Core;

/// <summary>
/// Bedrock cost of one group (one principal by default). Dimensions that were not grouped are null.
/// Property names are the contract with the module's other cmdlets (binding by property name) and with
/// users' scripts: keep them stable.
/// </summary>
public sealed class PrincipalCost : GroupDimensions
{
    public PrincipalCost() { }

    /// <summary>A row holding the group's dimensions of <paramref name="from"/>, without its figures.</summary>
    internal PrincipalCost(GroupDimensions from) : base(from) { }

    /// <summary>Billing period(s) the row covers, YYYY-MM (comma separated when several).</summary>
    public string BillingPeriod { get; init; } = string.Empty;
    public string? Session { get; init; }
    /// <summary>Service tier and route of the usage type ("standard", "flex", "batch, cross-region-global"...), when grouped by UsageType.</summary>
    public string? Tier { get; init; }
    /// <summary>What the usage type bills (Tokens, Embeddings, Guardrails, ProvisionedThroughput...), when grouped by UsageType.</summary>
    public string? UsageCategory { get; init; }
    /// <summary>text, image, audio or video when the usage type names the tokens' modality.</summary>
    public string? Modality { get; init; }
    /// <summary>Cache-write time to live (5m, 30m, 1h) when the usage type names one.</summary>
    public string? CacheTtl { get; init; }
    /// <summary>runtime (bedrock-runtime) or mantle (bedrock-mantle) for first-party token usage types.</summary>
    public string? Endpoint { get; init; }
    /// <summary>Usage day (UTC midnight) when grouped by Day.</summary>
    public DateTime? Day { get; init; }
    /// <summary>Usage month, YYYY-MM, when grouped by Month.</summary>
    public string? Month { get; init; }

    /// <summary>Cost per the chosen basis.</summary>
    public decimal Cost { get; init; }
    public decimal UnblendedCost { get; init; }
    public decimal NetUnblendedCost { get; init; }

    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheReadTokens { get; init; }
    public long CacheWriteTokens { get; init; }
    public long TotalTokens => InputTokens + OutputTokens + CacheReadTokens + CacheWriteTokens;

    /// <summary>Cost per one million tokens (all directions); null when the group has no tokens.</summary>
    public decimal? CostPer1MTokens => TotalTokens == 0 ? null : Math.Round(Cost / TotalTokens * 1_000_000m, 6);

    public long LineItemCount { get; init; }
    /// <summary>Where the figures come from: CUR, CostExplorer.</summary>
    public string Source { get; init; } = "CUR";

    internal override string? DimensionValue(string dimension) => dimension switch
    {
        "Day" => Day?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        "Month" => Month,
        "BillingPeriod" => BillingPeriod,
        _ => base.DimensionValue(dimension),
    };

    public override string ToString() => $"{Principal ?? Model ?? TagValue ?? UnattributedReason} {Cost} {Currency}";

    /// <summary>
    /// Where the principal facts the row does not carry (the principals' tag values, payer accounts) can be read
    /// when a chargeback asks for them; null for rows that are not per principal. Not a property: it stays out of
    /// tables, CSV and JSON, and costs nothing until it is used.
    /// </summary>
    internal Allocation.PrincipalFacts? Facts;

    /// <summary>This row with <paramref name="key"/> = <paramref name="value"/> added to its tags.</summary>
    internal PrincipalCost WithTag(string key, string value)
    {
        var copy = (PrincipalCost)MemberwiseClone();
        copy.SetTags(TagValues.From(new Dictionary<string, string>(Tags, StringComparer.Ordinal) { [key] = value }));
        return copy;
    }
}

/// <summary>Totals of one currency in the data read (of one billing period, when <see cref="BillingPeriod"/> is set).</summary>
public sealed class CurrencyTotal
{
    public string Currency { get; init; } = "USD";
    /// <summary>The billing period these totals are of; null for totals over every period read.</summary>
    public string? BillingPeriod { get; init; }
    public decimal UnblendedCost { get; set; }
    public decimal NetUnblendedCost { get; set; }
    public decimal AttributedUnblendedCost { get; set; }
    public decimal AttributedNetUnblendedCost { get; set; }
    public long LineItems { get; set; }
    // Token sums stay decimal (usage amounts are fractional in "1K tokens" units) and are rounded once when read.
    private decimal _input, _output, _cacheRead, _cacheWrite;
    public long InputTokens => (long)Math.Round(_input);
    public long OutputTokens => (long)Math.Round(_output);
    public long CacheReadTokens => (long)Math.Round(_cacheRead);
    public long CacheWriteTokens => (long)Math.Round(_cacheWrite);
    public long TotalTokens => (long)Math.Round(_input + _output + _cacheRead + _cacheWrite);
    public decimal Cost(Aggregation.CostBasis basis) => basis == Aggregation.CostBasis.NetUnblended ? NetUnblendedCost : UnblendedCost;

    /// <summary>The figures as the aggregator adds them up.</summary>
    internal Aggregation.TotalSums Sums
    {
        get => new()
        {
            Unblended = UnblendedCost, Net = NetUnblendedCost, AttributedUnblended = AttributedUnblendedCost, AttributedNet = AttributedNetUnblendedCost,
            Input = _input, Output = _output, CacheRead = _cacheRead, CacheWrite = _cacheWrite, LineItems = LineItems,
        };
        set
        {
            UnblendedCost = value.Unblended;
            NetUnblendedCost = value.Net;
            AttributedUnblendedCost = value.AttributedUnblended;
            AttributedNetUnblendedCost = value.AttributedNet;
            (_input, _output, _cacheRead, _cacheWrite) = (value.Input, value.Output, value.CacheRead, value.CacheWrite);
            LineItems = value.LineItems;
        }
    }
}

/// <summary>How every reconciliation line prints an exact amount: the same decimals everywhere (up to 10, no trailing zeros).</summary>
public static class ExactAmount
{
    public const string Format = "0.##########";
    public static string Text(decimal value) => value.ToString(Format, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The answer to a query: rows, totals to reconcile against, and what was read.</summary>
public sealed class CostResult
{
    public IReadOnlyList<PrincipalCost> Rows { get; init; } = Array.Empty<PrincipalCost>();
    /// <summary>Bedrock totals of the data read for the period, before the principal/model/account/tag filters.</summary>
    public IReadOnlyList<CurrencyTotal> BedrockTotals { get; init; } = Array.Empty<CurrencyTotal>();
    /// <summary>Totals of the rows selected by the filters; equals <see cref="BedrockTotals"/> without filters.</summary>
    public IReadOnlyList<CurrencyTotal> SelectedTotals { get; init; } = Array.Empty<CurrencyTotal>();
    /// <summary><see cref="SelectedTotals"/> per billing period and currency: what each period of a statement reconciles to.</summary>
    public IReadOnlyList<CurrencyTotal> PeriodTotals { get; init; } = Array.Empty<CurrencyTotal>();
    /// <summary>Tag keys the query needed that no line item read carries (grouped or filtered on, yet present nowhere).</summary>
    public IReadOnlyList<string> TagKeysNotFound { get; init; } = Array.Empty<string>();
    /// <summary>Payer (billing) account of each usage account, when the query asked (<see cref="Aggregation.CostQuery.IncludeBillingAccounts"/>).</summary>
    public IReadOnlyDictionary<string, string> BillingAccounts { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public Aggregation.CostBasis CostBasis { get; init; }
    public string Source { get; init; } = "CUR";
    public int FilesRead { get; init; }
    public long RowsScanned { get; init; }
    public long BedrockLineItems { get; init; }
    /// <summary>
    /// Bedrock line items that could not be read (a cost that is not a finite number, a sum that would overflow)
    /// and are not in any figure; each was reported as an error. Zero when the totals are complete.
    /// </summary>
    public long LineItemsLeftOut { get; init; }
    /// <summary>Every Bedrock line item of the data read is in the figures.</summary>
    public bool IsComplete => LineItemsLeftOut == 0;
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
            var filtered = total != bedrock ? $" (filters selected {ExactAmount.Text(total)} of the Bedrock total {ExactAmount.Text(bedrock)})" : string.Empty;
            return $"{t.Currency}: rows sum to {ExactAmount.Text(rowsSum)}, Bedrock total of the data read {ExactAmount.Text(total)}, difference {ExactAmount.Text(rowsSum - total)}{filtered}";
        });
        var periods = BillingPeriods.Count == 0 ? "no billing period" : string.Join(", ", BillingPeriods);
        var incomplete = IsComplete ? string.Empty : " " + IncompleteText(LineItemsLeftOut);
        // Data without Bedrock (or filters selecting none of it) reconciles too: nothing in, nothing out, said so.
        if (SelectedTotals.Count == 0)
        {
            var what = BedrockTotals.Count > 0
                ? "the filters selected none of the Bedrock total " + string.Join(", ", BedrockTotals.Select(b => $"{ExactAmount.Text(b.Cost(CostBasis))} {b.Currency}"))
                : "no Bedrock cost in the data read" + (RowsScanned > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" ({RowsScanned:N0} rows)") : string.Empty);
            return $"Reconciliation ({CostBasis} cost, {periods}): {what}; rows sum to 0.{incomplete}";
        }
        return $"Reconciliation ({CostBasis} cost, {periods}): {string.Join("; ", parts)}.{incomplete}";
    }

    /// <summary>What every reconciliation says when line items were left out: how many, and that the totals are incomplete.</summary>
    public static string IncompleteText(long lineItemsLeftOut) =>
        $"INCOMPLETE: {lineItemsLeftOut:N0} Bedrock line item(s) could not be read (see the errors) and are left out of these totals.";
}

/// <summary>
/// Tag values of a row. A dictionary (PowerShell keeps it whole, as it does hashtables); as text (Export-Csv,
/// string interpolation) it is "key=value; key=value" rather than a type name.
/// </summary>
public sealed class TagValues : System.Collections.ObjectModel.ReadOnlyDictionary<string, string>
{
    public static new readonly TagValues Empty = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private TagValues(IDictionary<string, string> values) : base(values) { }

    public static TagValues From(IReadOnlyDictionary<string, string>? values) =>
        values as TagValues ?? (values is null || values.Count == 0 ? Empty
            : new TagValues(values as IDictionary<string, string> ?? values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal)));

    public override string ToString() => string.Join("; ", this.Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>The dimensions a row was grouped by; as text, "Model,TokenType".</summary>
public sealed class DimensionNames : System.Collections.ObjectModel.ReadOnlyCollection<string>
{
    public static new readonly DimensionNames Empty = new(Array.Empty<string>());
    private DimensionNames(IList<string> names) : base(names) { }

    public static DimensionNames From(IReadOnlyList<string>? names) =>
        names as DimensionNames ?? (names is null || names.Count == 0 ? Empty : new DimensionNames(names.ToArray()));

    public override string ToString() => string.Join(",", this);
}
