using System.Globalization;
using BedrockCost.Core.Classification;

namespace BedrockCost.Core.Aggregation;

/// <summary>
/// The one result builder: sums line items into groups and builds the rows (sorted), the totals and the
/// reconciliation, whatever the source (the CUR engine's rows, or the rows of a source that aggregates
/// itself: Cost Explorer, Athena). One instance per worker; <see cref="Merge"/> combines them. Money is summed
/// in decimal so that rows and totals reconcile exactly. Every Bedrock line item in the period lands in a
/// group: cost without a principal becomes an "(unattributed)" group carrying its reason.
/// </summary>
public sealed class Aggregator
{
    public const string Unattributed = "(unattributed)";
    public const string None = "(none)";
    public const string Untagged = "(untagged)";

    private readonly CostQuery _query;
    private readonly bool _rowsFiltered;
    private readonly GroupDimension[] _dims;
    private readonly WildcardSet _principals, _models, _accounts;
    private readonly (int Index, WildcardSet Pattern)[] _tagFilters;
    private readonly Dictionary<string?[], Group> _groups = new(KeyComparer.Instance);
    private readonly Dictionary<string, CurrencyTotal> _bedrock = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CurrencyTotal> _selected = new(StringComparer.Ordinal);
    private readonly HashSet<string> _periods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unrecognised = new(StringComparer.Ordinal);
    private readonly string?[] _scratch;

    /// <param name="rowsFiltered">
    /// The source applied the query's principal, model, account and tag filters itself (Cost Explorer filters in
    /// its requests, and its rows carry only the grouped dimensions): rows are not filtered again, and the
    /// Bedrock total is the total of the rows selected.
    /// </param>
    public Aggregator(CostQuery query, bool rowsFiltered = false)
    {
        _query = query;
        _rowsFiltered = rowsFiltered;
        _dims = query.GroupBy.ToArray();
        _principals = new WildcardSet(query.Principals);
        _models = new WildcardSet(query.Models);
        _accounts = new WildcardSet(query.Accounts);
        TagKeys = query.TagKeysNeeded.ToArray();
        _tagFilters = query.Tags.Select(kv => (Array.IndexOf(TagKeys, kv.Key), new WildcardSet(new[] { kv.Value }))).ToArray();
        // Key: one slot per dimension, then the unattributed reason and the currency.
        _scratch = new string?[_dims.Length + 2];
    }

    /// <summary>The tag keys whose values readers must put in <see cref="LineItem.Tags"/>, in this order.</summary>
    public string[] TagKeys { get; }

    public long LineItems { get; private set; }

    /// <summary>Line items that could not be read (a cost that is not a number, a sum that would overflow): counted, never added.</summary>
    public long LeftOut { get; private set; }

    /// <summary>Counts line items left out of the sums (their costs could not be read).</summary>
    public void AddLeftOut(long lineItems) => LeftOut += lineItems;

    public void Add(in LineItem item)
    {
        var usage = UsageTypeParser.Parse(item.UsageType);
        var principal = string.IsNullOrEmpty(item.Principal) ? null : PrincipalParser.Parse(item.Principal);
        var currency = string.IsNullOrEmpty(item.Currency) ? "USD" : item.Currency;
        var reason = principal is not null || item.PrincipalData == PrincipalData.NotInSource ? string.Empty
            : item.PrincipalData == PrincipalData.NoColumn && item.LineItemType is "Usage" ? "no principal data in export"
            : BedrockRows.UnattributedReason(item.LineItemType, usage.Category);
        var attributed = reason.Length == 0;
        var model = ModelOf(item, usage);

        LineItems += item.Count;
        _periods.Add(item.BillingPeriod);
        if (!usage.IsRecognised && item.UsageType is not null) _unrecognised.Add(item.UsageType);
        AddTotal(_bedrock, currency, item, attributed);

        if (!_rowsFiltered)
        {
            if (!_principals.IsEmpty && !_principals.IsMatch(principal?.Arn)) return;
            if (!_models.IsEmpty && !_models.IsMatch(model)) return;
            if (!_accounts.IsEmpty && !_accounts.IsMatch(item.Account)) return;
            foreach (var (index, pattern) in _tagFilters)
                if (!pattern.IsMatch(item.Tags?[index])) return;
        }
        AddTotal(_selected, currency, item, attributed);

        for (var d = 0; d < _dims.Length; d++)
            _scratch[d] = DimensionValue(_dims[d], item, usage, principal, model);
        _scratch[_dims.Length] = reason;
        _scratch[_dims.Length + 1] = currency;

        if (!_groups.TryGetValue(_scratch, out var group))
        {
            group = new Group();
            _groups.Add((string?[])_scratch.Clone(), group);
        }
        group.Add(item, usage);
    }

    private static string? ModelOf(in LineItem item, UsageTypeInfo usage)
    {
        if (item.Model is not null) return item.Model;
        if (usage.Model is not null) return usage.Model;
        if (!string.IsNullOrEmpty(item.ProductModel)) return ModelNames.Normalise(item.ProductModel);
        return null;
    }

    private static void AddTotal(Dictionary<string, CurrencyTotal> totals, string currency, in LineItem item, bool attributed)
    {
        if (!totals.TryGetValue(currency, out var t)) totals[currency] = t = new CurrencyTotal { Currency = currency };
        t.UnblendedCost += item.UnblendedCost;
        t.NetUnblendedCost += item.NetUnblendedCost;
        if (attributed)
        {
            t.AttributedUnblendedCost += item.UnblendedCost;
            t.AttributedNetUnblendedCost += item.NetUnblendedCost;
        }
        t.LineItems += item.Count;
    }

    private string? DimensionValue(GroupDimension dim, in LineItem item, UsageTypeInfo usage, PrincipalInfo? p, string? model) => dim.Kind switch
    {
        Dimension.Principal => p?.Arn ?? Unattributed,
        Dimension.PrincipalType => p?.Kind.ToString() ?? Unattributed,
        Dimension.Person => p is null ? Unattributed : p.Person ?? None,
        Dimension.Role => p is null ? Unattributed : p.Role ?? None,
        Dimension.Account => item.Account ?? p?.Account ?? None,
        Dimension.Model => model ?? None,
        Dimension.TokenType => usage.TokenType,
        Dimension.Region => usage.Region ?? item.ProductRegion ?? None,
        Dimension.UsageType => item.UsageType ?? None,
        Dimension.Day => item.UsageStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Dimension.Month => item.UsageStart.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        Dimension.Tag => item.Tags?[Array.IndexOf(TagKeys, dim.TagKey)] ?? Untagged,
        _ => null,
    };

    /// <summary>Adds another worker's groups and totals into this one.</summary>
    public void Merge(Aggregator other)
    {
        foreach (var (key, g) in other._groups)
        {
            if (_groups.TryGetValue(key, out var mine)) mine.Merge(g);
            else _groups.Add(key, g);
        }
        MergeTotals(_bedrock, other._bedrock);
        MergeTotals(_selected, other._selected);
        _periods.UnionWith(other._periods);
        _unrecognised.UnionWith(other._unrecognised);
        LineItems += other.LineItems;
        LeftOut += other.LeftOut;
    }

    private static void MergeTotals(Dictionary<string, CurrencyTotal> into, Dictionary<string, CurrencyTotal> from)
    {
        foreach (var (c, t) in from)
        {
            if (!into.TryGetValue(c, out var m)) { into[c] = t; continue; }
            m.UnblendedCost += t.UnblendedCost;
            m.NetUnblendedCost += t.NetUnblendedCost;
            m.AttributedUnblendedCost += t.AttributedUnblendedCost;
            m.AttributedNetUnblendedCost += t.AttributedNetUnblendedCost;
            m.LineItems += t.LineItems;
        }
    }

    public IReadOnlySet<string> Periods => _periods;

    /// <summary>Billing periods the source answered for, with or without rows (Cost Explorer: the months asked).</summary>
    public void CoverPeriods(IEnumerable<string> periods) => _periods.UnionWith(periods);
    public IReadOnlyCollection<string> UnrecognisedUsageTypes => _unrecognised;

    /// <summary>
    /// The result: rows largest cost first (attributed before unattributed), totals per currency, and a warning
    /// naming the usage types classification could not place. A group that stands for no line item, no cost and
    /// no token (a zero row of a pre-aggregated source) is not a row.
    /// </summary>
    /// <param name="source">The rows' Source: CUR, CostExplorer, Athena.</param>
    public CostResult ToResult(string source, IOperationContext ctx, int filesRead = 0, long rowsScanned = 0, bool hasPrincipalData = true)
    {
        var basis = _query.CostBasis;
        var groupBy = _dims.Select(d => d.ToString()).ToArray();
        var periods = _periods.Order(StringComparer.Ordinal).ToArray();
        var periodText = string.Join(",", periods);
        var rows = _groups.Where(kv => !kv.Value.IsEmpty)
            .Select(kv => (kv.Key, Row: ToRow(kv.Key, kv.Value, basis, groupBy, periodText, source)))
            .OrderByDescending(x => x.Row.IsAttributed).ThenByDescending(x => x.Row.Cost)
            .ThenBy(x => x.Row.Principal ?? x.Row.Model ?? x.Row.TagValue ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(x => x.Row.Day).ThenBy(x => x.Row.UnattributedReason, StringComparer.Ordinal)
            // Rows equal on all of these (differing in month, region or another tag...) by their group key, so the
            // order never depends on the order the line items arrived in (files, workers, a source's result).
            .ThenBy(x => x.Key, KeyComparer.Instance)
            .Select(x => x.Row)
            .ToList();
        var unrecognised = _unrecognised.Order(StringComparer.Ordinal).ToArray();
        if (unrecognised.Length > 0)
            ctx.Warning($"Unrecognised Bedrock usage type(s), counted with no model or token direction: {string.Join(", ", unrecognised.Take(10))}" +
                        (unrecognised.Length > 10 ? $" and {unrecognised.Length - 10} more" : string.Empty) + ".");
        return new CostResult
        {
            Rows = rows,
            BedrockTotals = _bedrock.Values.OrderBy(t => t.Currency, StringComparer.Ordinal).ToList(),
            SelectedTotals = _selected.Values.OrderBy(t => t.Currency, StringComparer.Ordinal).ToList(),
            BillingPeriods = periods,
            CostBasis = basis,
            Source = source,
            FilesRead = filesRead,
            RowsScanned = rowsScanned,
            BedrockLineItems = LineItems,
            LineItemsLeftOut = LeftOut,
            HasPrincipalData = hasPrincipalData,
            UnrecognisedUsageTypes = unrecognised,
        };
    }

    private PrincipalCost ToRow(string?[] key, Group g, CostBasis basis, string[] groupBy, string periods, string source)
    {
        string? Get(Dimension d) { var i = Array.FindIndex(_dims, x => x.Kind == d); return i < 0 ? null : key[i]; }
        var principalArn = Get(Dimension.Principal);
        var p = principalArn is null || principalArn == Unattributed ? null : PrincipalParser.Parse(principalArn);
        var usageType = Get(Dimension.UsageType);
        var usage = usageType is null || usageType == None ? null : UsageTypeParser.Parse(usageType);
        var unattributed = principalArn == Unattributed;
        var tags = _dims.Select((d, i) => (d, i)).Where(x => x.d.Kind == Dimension.Tag)
            .ToDictionary(x => x.d.TagKey!, x => key[x.i] ?? Untagged, StringComparer.Ordinal);
        var day = Get(Dimension.Day);
        // Dimensions that follow from the principal ARN or the usage type are filled in too.
        return new PrincipalCost
        {
            BillingPeriod = periods,
            Principal = principalArn,
            PrincipalType = Get(Dimension.PrincipalType) ?? p?.Kind.ToString() ?? (unattributed ? Unattributed : null),
            Person = Get(Dimension.Person) ?? (p is null ? (unattributed ? Unattributed : null) : p.Person ?? None),
            Role = Get(Dimension.Role) ?? (p is null ? (unattributed ? Unattributed : null) : p.Role ?? None),
            Session = p?.Session,
            Account = Get(Dimension.Account) ?? p?.Account,
            Model = Get(Dimension.Model),
            TokenType = Get(Dimension.TokenType) ?? usage?.TokenType,
            Tier = usage?.Tier,
            UsageCategory = usage?.Category.ToString(),
            Modality = usage?.Modality,
            CacheTtl = usage?.CacheTtl,
            Endpoint = usage?.Endpoint,
            Region = Get(Dimension.Region) ?? usage?.Region,
            UsageType = usageType,
            Day = day is null ? null : DateTime.SpecifyKind(DateTime.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture), DateTimeKind.Utc),
            Month = Get(Dimension.Month),
            Tags = tags,
            UnattributedReason = key[_dims.Length] ?? string.Empty,
            Currency = key[_dims.Length + 1] ?? "USD",
            UnblendedCost = g.Unblended,
            NetUnblendedCost = g.Net,
            Cost = basis == CostBasis.NetUnblended ? g.Net : g.Unblended,
            CostBasis = basis.ToString(),
            InputTokens = (long)Math.Round(g.Input),
            OutputTokens = (long)Math.Round(g.Output),
            CacheReadTokens = (long)Math.Round(g.CacheRead),
            CacheWriteTokens = (long)Math.Round(g.CacheWrite),
            LineItemCount = g.Count,
            Source = source,
            GroupBy = groupBy,
        };
    }

    private sealed class Group
    {
        public decimal Unblended, Net, Input, Output, CacheRead, CacheWrite;
        public long Count;

        public bool IsEmpty => Count == 0 && Unblended == 0m && Net == 0m && Input == 0m && Output == 0m && CacheRead == 0m && CacheWrite == 0m;

        public void Add(in LineItem item, UsageTypeInfo usage)
        {
            Unblended += item.UnblendedCost;
            Net += item.NetUnblendedCost;
            Count += item.Count;
            var perUnit = usage.TokensPerUnit(item.PricingUnit, item.Marketplace);
            if (perUnit is null) return;
            var tokens = item.UsageAmount * perUnit.Value;
            switch (usage.Direction)
            {
                case TokenDirection.Input: Input += tokens; break;
                case TokenDirection.Output: Output += tokens; break;
                case TokenDirection.CacheRead: CacheRead += tokens; break;
                case TokenDirection.CacheWrite: CacheWrite += tokens; break;
            }
        }

        public void Merge(Group o)
        {
            Unblended += o.Unblended; Net += o.Net; Count += o.Count;
            Input += o.Input; Output += o.Output; CacheRead += o.CacheRead; CacheWrite += o.CacheWrite;
        }
    }

    private sealed class KeyComparer : IEqualityComparer<string?[]>, IComparer<string?[]>
    {
        public static readonly KeyComparer Instance = new();
        public bool Equals(string?[]? x, string?[]? y) => x!.AsSpan().SequenceEqual(y);
        public int Compare(string?[]? x, string?[]? y)
        {
            for (var i = 0; i < x!.Length; i++)
                if (string.CompareOrdinal(x[i], y![i]) is var c and not 0) return c;
            return 0;
        }
        public int GetHashCode(string?[] key)
        {
            var h = new HashCode();
            foreach (var s in key) h.Add(s is null ? 0 : StringComparer.Ordinal.GetHashCode(s));
            return h.ToHashCode();
        }
    }
}
