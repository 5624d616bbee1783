using System.Globalization;
using System.Runtime.CompilerServices;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Cur;

/// <summary>The state of reading one file: where rows go, which rows count, and what was seen.</summary>
internal sealed class CurFileRead
{
    private readonly Aggregator _aggregator;
    private readonly CostQuery _query;
    private readonly IReadOnlySet<string>? _periods;
    private readonly Dictionary<DateTime, string> _periodText = new();

    /// <param name="pool">Strings shared with other reads of the same worker; a new pool by default.</param>
    public CurFileRead(string displayName, string? knownPeriod, Aggregator aggregator, CostQuery query, IReadOnlySet<string>? periods, StringPool? pool = null)
    {
        Pool = pool ?? new StringPool();
        DisplayName = displayName;
        KnownPeriod = knownPeriod;
        _aggregator = aggregator;
        _query = query;
        _periods = periods;
        TagKeys = aggregator.TagKeys;
        IncludeAgentCore = query.IncludeAgentCore;
        bool GroupedBy(Dimension d) => query.GroupBy.Any(g => g.Kind == d);
        NeedsModel = GroupedBy(Dimension.Model) || query.Models.Count > 0;
        NeedsPayerAccount = query.IncludeBillingAccounts;
        NeedsAccount = GroupedBy(Dimension.Account) || query.Accounts.Count > 0 || NeedsPayerAccount;
        NeedsRegion = GroupedBy(Dimension.Region);
        NeedsUsageStart = query.StartDate is not null || query.EndDate is not null || GroupedBy(Dimension.Day) || GroupedBy(Dimension.Month);
    }

    // Columns a reader may leave undecoded when the query does not use them (only the Parquet reader does).
    /// <summary>The model of a Marketplace row (product map) is grouped or filtered on.</summary>
    public bool NeedsModel { get; }
    /// <summary>The usage account is grouped or filtered on.</summary>
    public bool NeedsAccount { get; }
    /// <summary>The payer account is asked for (it maps usage accounts to billing accounts).</summary>
    public bool NeedsPayerAccount { get; }
    /// <summary>The product region is grouped on.</summary>
    public bool NeedsRegion { get; }
    /// <summary>The usage start date is filtered or grouped on.</summary>
    public bool NeedsUsageStart { get; }

    public string DisplayName { get; }
    /// <summary>The billing period from the export layout; null for loose files (read from the data).</summary>
    public string? KnownPeriod { get; }
    public string[] TagKeys { get; }
    public bool IncludeAgentCore { get; }
    public StringPool Pool { get; }
    /// <summary>Where the rows read are summed.</summary>
    public Aggregator Aggregator => _aggregator;
    /// <summary>The worker's Parquet row-group reader, whose buffers outlive this read; null reads with a new one.</summary>
    public ParquetCurReader.Scan? Scan { get; init; }
    public long RowsScanned { get; set; }
    public int RowGroups { get; set; }
    /// <summary>Row groups whose statistics proved they hold no Bedrock row, so they were not decoded.</summary>
    public int RowGroupsSkipped { get; set; }
    public bool HasPrincipalColumn { get; set; } = true;
    /// <summary>A legacy Cost and Usage Report (CUR 1.0) file: read, with no principal data.</summary>
    public bool IsLegacy { get; set; }

    /// <summary>Rows of each billing period in the file, Bedrock or not (a period without Bedrock is still read).</summary>
    public Dictionary<string, long> PeriodRows { get; } = new(StringComparer.Ordinal);

    public void CountRows(string period, long rows)
    {
        PeriodRows.TryGetValue(period, out var n);
        PeriodRows[period] = n + rows;
    }

    public string PeriodText(DateTime periodStart)
    {
        if (!_periodText.TryGetValue(periodStart, out var text)) _periodText[periodStart] = text = RowRules.Period(periodStart);
        return text;
    }

    private static DateTime PeriodStart(string period) =>
        DateTime.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>The row's usage start; a row without one (readers leave it default) counts from the first day of its billing period, as the Athena query does.</summary>
    private DateTime UsageStartOf(in LineItem item) => item.UsageStart == default && NeedsUsageStart ? PeriodStart(item.BillingPeriod) : item.UsageStart;

    /// <summary>
    /// A Bedrock row: counted when it is in the queried period and date range. Rows alike in everything but their
    /// amounts are summed here first (their strings are the readers' shared instances, so alike is a comparison of
    /// references), and reach the aggregator as one line item standing for them all: what the aggregator derives
    /// from a row (usage type, principal, model, group) is then derived once per kind of row, not once per row.
    /// Only amounts far from the decimal range are summed so (a sum of them cannot overflow); a larger one goes to
    /// the aggregator alone, which leaves it out, counted, if a sum would overflow. <see cref="Flush"/> hands the
    /// sums over; readers call it when they finish.
    /// </summary>
    public void Offer(ref LineItem item, RowAt at)
    {
        item.PrincipalData = HasPrincipalColumn ? PrincipalData.Column : PrincipalData.NoColumn;
        item.UsageStart = UsageStartOf(item);
        if (!Counts(item)) return;
        if (!Small(item))
        {
            Add(item, at);
            return;
        }
        ref var pending = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_alike, item, out var seen);
        if (seen)
        {
            var (usage, unblended, net) = (pending.Sum.UsageAmount + item.UsageAmount, pending.Sum.UnblendedCost + item.UnblendedCost,
                pending.Sum.NetUnblendedCost + item.NetUnblendedCost);
            if (Small(usage, unblended, net))
            {
                (pending.Sum.UsageAmount, pending.Sum.UnblendedCost, pending.Sum.NetUnblendedCost) = (usage, unblended, net);
                pending.Sum.Count += item.Count;
                return;
            }
        }
        if (seen) Add(pending.Sum, pending.First);
        pending = new Pending(item, at);
        if (_alike.Count >= MaxAlike) Flush();
    }

    /// <summary>Hands the rows summed so far to the aggregator.</summary>
    public void Flush()
    {
        foreach (var pending in _alike.Values) Add(pending.Sum, pending.First);
        _alike.Clear();
    }

    private void Add(in LineItem item, RowAt at)
    {
        var overflow = _aggregator.Add(item);
        if (overflow != SumOverflow.None)
            Note(ErrorIds.CostSumOverflow, CurColumns.Of(overflow), at, null, item.Count);
    }

    /// <summary>Amounts this far from the decimal range (about 7.9E+28) can be summed in any order without overflow.</summary>
    private const decimal SmallAmount = 1e18m;

    private static bool Small(in LineItem item) => Small(item.UsageAmount, item.UnblendedCost, item.NetUnblendedCost);

    private static bool Small(decimal a, decimal b, decimal c) =>
        Math.Abs(a) < SmallAmount && Math.Abs(b) < SmallAmount && Math.Abs(c) < SmallAmount;

    private const int MaxAlike = 4096;
    private readonly Dictionary<LineItem, Pending> _alike = new(AlikeComparer.Instance);

    /// <summary>Rows summed: their sum, and where the first of them is (for a message).</summary>
    private struct Pending(LineItem sum, RowAt first)
    {
        public LineItem Sum = sum;
        public RowAt First = first;
    }

    /// <summary>
    /// Line items alike in everything but their amounts and count; strings compared by reference. Every other field of
    /// <see cref="LineItem"/> must be compared here, or rows that differ in it would be summed into one (a test checks
    /// each field by reflection).
    /// </summary>
    internal sealed class AlikeComparer : IEqualityComparer<LineItem>
    {
        public static readonly AlikeComparer Instance = new();

        public bool Equals(LineItem x, LineItem y) =>
            ReferenceEquals(x.BillingPeriod, y.BillingPeriod) && x.UsageStart == y.UsageStart && ReferenceEquals(x.Account, y.Account) &&
            ReferenceEquals(x.PayerAccount, y.PayerAccount) &&
            ReferenceEquals(x.LineItemType, y.LineItemType) && ReferenceEquals(x.ProductCode, y.ProductCode) && ReferenceEquals(x.UsageType, y.UsageType) &&
            ReferenceEquals(x.Principal, y.Principal) && ReferenceEquals(x.Currency, y.Currency) && ReferenceEquals(x.PricingUnit, y.PricingUnit) &&
            ReferenceEquals(x.ProductRegion, y.ProductRegion) && ReferenceEquals(x.ProductModel, y.ProductModel) && ReferenceEquals(x.Model, y.Model) &&
            x.Marketplace == y.Marketplace && x.PrincipalData == y.PrincipalData && SameTags(x.Tags, y.Tags);

        private static bool SameTags(string?[]? x, string?[]? y)
        {
            if (ReferenceEquals(x, y)) return true;
            if (x is null || y is null || x.Length != y.Length) return false;
            for (var i = 0; i < x.Length; i++) if (!ReferenceEquals(x[i], y[i])) return false;
            return true;
        }

        /// <summary>
        /// From the fields that tell kinds of rows apart in practice (the others follow the usage type, or rarely
        /// differ): alike items hash alike, and fewer fields cost less per row.
        /// </summary>
        public int GetHashCode(LineItem x)
        {
            static int H(object? o) => o is null ? 0 : RuntimeHelpers.GetHashCode(o);
            var h = HashCode.Combine(H(x.UsageType), H(x.Principal), H(x.LineItemType), H(x.Account), x.UsageStart.Ticks, H(x.ProductModel));
            if (x.Tags is not null) foreach (var t in x.Tags) h = HashCode.Combine(h, H(t));
            return h;
        }
    }

    /// <summary>
    /// A Bedrock row whose <paramref name="column"/> holds <paramref name="value"/>, which is not money (not a finite
    /// number within the decimal range): when it counts for the query it is left out of every sum, counted and
    /// reported, never added as 0.
    /// </summary>
    public void Reject(in LineItem item, string column, string value, RowAt at)
    {
        if (!Counts(item)) return;
        _aggregator.AddLeftOut(item.Count);
        Note(ErrorIds.InvalidCostValue, column, at, value, item.Count);
    }

    private bool Counts(in LineItem item) =>
        (_periods is null || _periods.Contains(item.BillingPeriod)) && _query.InDateRange(UsageStartOf(item));

    private readonly Dictionary<(string Id, string Column), LeftOutItems> _leftOut = new();

    private void Note(string errorId, string column, RowAt at, string? value, long count)
    {
        if (_leftOut.TryGetValue((errorId, column), out var known)) known.Count += count;
        else _leftOut[(errorId, column)] = new LeftOutItems { Count = count, First = at, Value = value };
    }

    /// <summary>
    /// Takes in what another read of the same file saw (a row group read by another worker): counts, billing periods
    /// and the items left out, keeping the first row of each problem in file order.
    /// </summary>
    public void Absorb(CurFileRead other)
    {
        RowsScanned += other.RowsScanned;
        RowGroups += other.RowGroups;
        RowGroupsSkipped += other.RowGroupsSkipped;
        foreach (var (period, rows) in other.PeriodRows) CountRows(period, rows);
        foreach (var (key, items) in other._leftOut)
        {
            if (!_leftOut.TryGetValue(key, out var known)) { _leftOut[key] = new LeftOutItems { Count = items.Count, First = items.First, Value = items.Value }; continue; }
            known.Count += items.Count;
            if ((items.First.RowGroup, items.First.Row).CompareTo((known.First.RowGroup, known.First.Row)) < 0) { known.First = items.First; known.Value = items.Value; }
        }
    }

    /// <summary>One non-terminating error per problem and column: the file, the first row, the value and the count.</summary>
    public IEnumerable<BedrockCostException> LeftOutErrors() => _leftOut.Select(kv => kv.Key.Id == ErrorIds.InvalidCostValue
        ? new BedrockCostException(ErrorIds.InvalidCostValue, ErrorKind.InvalidData,
            $"'{DisplayName}': {kv.Value.Count:N0} Bedrock line item(s) have a {kv.Key.Column} that is not a finite number within the decimal range " +
            $"(first at {kv.Value.First}: {kv.Value.Value}). They are left out of the totals, which are incomplete; the other line items are counted.", DisplayName)
        : new BedrockCostException(ErrorIds.CostSumOverflow, ErrorKind.InvalidData,
            $"'{DisplayName}': adding {kv.Value.Count:N0} Bedrock line item(s) would take a sum of {kv.Key.Column} beyond the decimal range " +
            $"(first at {kv.Value.First}). They are left out of the totals, which are incomplete; the other line items are counted.", DisplayName));

    private sealed class LeftOutItems
    {
        public long Count;
        public RowAt First;
        public string? Value;
    }
}

/// <summary>Where a row is in its file: a row group and index (Parquet, both from 0), or a line (CSV, from 1 with the header).</summary>
internal readonly record struct RowAt(int RowGroup, long Row)
{
    public static RowAt Line(long line) => new(-1, line);
    public override string ToString() => RowGroup < 0 ? $"line {Row}" : $"row group {RowGroup}, row {Row}";
}

/// <summary>What Get-BedrockCostExport reports of an export's files (a column is present only when every file has it).</summary>
internal sealed class CurFileFacts
{
    public bool HasPrincipalColumn { get; set; } = true;
    public bool HasTagsColumn { get; set; } = true;
    /// <summary>Top-level columns of the widest file.</summary>
    public int Columns { get; set; }
    /// <summary>Some file is a legacy Cost and Usage Report (CUR 1.0).</summary>
    public bool IsLegacy { get; set; }
    /// <summary>Rows with a principal.</summary>
    public long PrincipalRows { get; set; }
    public HashSet<string> TagKeys { get; } = new(StringComparer.Ordinal);
}

/// <summary>Errors of reading CUR files, one place.</summary>
internal static class CurErrors
{
    public static BedrockCostException Corrupt(string file, Exception e) =>
        new(ErrorIds.CorruptFile, ErrorKind.InvalidData,
            $"Cannot read '{file}': the file is corrupt or truncated ({Describe(e)}). Nothing was counted from this data set; " +
            "download the file again or remove it.", file, e);

    public static BedrockCostException Invalid(string file, string what) =>
        new(ErrorIds.NotCurData, ErrorKind.InvalidData, $"'{file}' is not valid CUR 2.0 data: {what}.", file);

    public static BedrockCostException Missing(string file, IEnumerable<string> columns, bool csv) =>
        new(csv ? ErrorIds.CsvHeaderInvalid : ErrorIds.MissingColumn, ErrorKind.InvalidData,
            $"'{file}' lacks the CUR 2.0 column(s) {string.Join(", ", columns)}. " +
            "Export the CUR 2.0 table (COST_AND_USAGE_REPORT) with its standard columns.", file);

    /// <summary>Fails unless the columns are a CUR 2.0 table with the required columns.</summary>
    public static void CheckColumns(IReadOnlySet<string> columns, string file, bool csv)
    {
        // Names are in the CUR 2.0 spelling (CurColumns.Normalise): legacy CUR's lineItem/UsageType is line_item_usage_type.
        if (!columns.Any(c => c.StartsWith("line_item_", StringComparison.OrdinalIgnoreCase)))
            throw new BedrockCostException(csv ? ErrorIds.CsvHeaderInvalid : ErrorIds.NotCurData, ErrorKind.InvalidData,
                $"'{file}' is not CUR data: it has no line_item_* (or lineItem/...) columns.", file);
        var missing = CurColumns.Required.Where(c => !columns.Contains(c)).ToArray();
        if (missing.Length > 0) throw Missing(file, missing, csv);
    }

    private static string Describe(Exception e)
    {
        var m = e.Message;
        var line = m.IndexOfAny(new[] { '\r', '\n' });
        return line > 0 ? m[..line] : m;
    }
}
