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
    private readonly Dictionary<(string Period, string Currency), CurrencyTotal> _selectedByPeriod = new();
    private CurrencyTotal? _lastPeriodTotal;
    private readonly HashSet<string> _periods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unrecognised = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _payers = new(StringComparer.Ordinal);
    private readonly string?[] _scratch;
    // What the data held, for the warnings about filters that match nothing and tag keys present nowhere:
    // values are collected only for a dimension the query filters on, so an unfiltered query pays nothing.
    private readonly HashSet<string>? _seenPrincipals, _seenModels, _seenAccounts;
    private readonly HashSet<string>?[] _seenTagValues;
    private readonly bool[] _tagSeen;

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
        var diagnose = !rowsFiltered;
        if (diagnose && !_principals.IsEmpty) _seenPrincipals = new HashSet<string>(StringComparer.Ordinal);
        if (diagnose && !_models.IsEmpty) _seenModels = new HashSet<string>(StringComparer.Ordinal);
        if (diagnose && !_accounts.IsEmpty) _seenAccounts = new HashSet<string>(StringComparer.Ordinal);
        _seenTagValues = new HashSet<string>?[TagKeys.Length];
        if (diagnose)
            foreach (var (index, _) in _tagFilters) _seenTagValues[index] = new HashSet<string>(StringComparer.Ordinal);
        _tagSeen = new bool[TagKeys.Length];
    }

    /// <summary>The tag keys whose values readers must put in <see cref="LineItem.Tags"/>, in this order.</summary>
    public string[] TagKeys { get; }

    public long LineItems { get; private set; }

    /// <summary>Line items that could not be read (a cost that is not a number, a sum that would overflow): counted, never added.</summary>
    public long LeftOut { get; private set; }

    /// <summary>Counts line items left out of the sums (their costs could not be read).</summary>
    public void AddLeftOut(long lineItems) => LeftOut += lineItems;

    /// <summary>
    /// Adds a line item to the totals and its group. Nothing is added when a sum would overflow the decimal range
    /// (or a token count the range of a long): the item is counted in <see cref="LeftOut"/> and the sum named.
    /// </summary>
    public SumOverflow Add(in LineItem item)
    {
        var usage = UsageTypeParser.Parse(item.UsageType);
        var principal = string.IsNullOrEmpty(item.Principal) ? null : PrincipalParser.Parse(item.Principal);
        var currency = string.IsNullOrEmpty(item.Currency) ? "USD" : item.Currency;
        var reason = principal is not null || item.PrincipalData == PrincipalData.NotInSource ? string.Empty
            : item.PrincipalData == PrincipalData.NoColumn && item.LineItemType is "Usage" ? "no principal data in export"
            : BedrockRows.UnattributedReason(item.LineItemType, usage.Category);
        var attributed = reason.Length == 0;
        var model = ModelOf(item, usage);

        if (!_rowsFiltered)
        {
            if (principal is not null) _seenPrincipals?.Add(principal.Arn);
            if (model is not null) _seenModels?.Add(model);
            if (item.Account is not null) _seenAccounts?.Add(item.Account);
            foreach (var (index, _) in _tagFilters)
                if (item.Tags?[index] is { } v) _seenTagValues[index]!.Add(v);
        }
        var selected = _rowsFiltered || Selects(item, principal, model);
        Group? group = null;
        CurrencyTotal? periodTotal = null;
        if (selected)
        {
            for (var d = 0; d < _dims.Length; d++)
                _scratch[d] = DimensionValue(_dims[d], item, usage, principal, model);
            _scratch[_dims.Length] = reason;
            _scratch[_dims.Length + 1] = currency;
            _groups.TryGetValue(_scratch, out group);
            // Rows come period by period: the last period's total is usually the one (no lookup per row).
            periodTotal = _lastPeriodTotal is { } last && ReferenceEquals(last.BillingPeriod, item.BillingPeriod) && last.Currency == currency
                ? last : _selectedByPeriod.GetValueOrDefault((item.BillingPeriod, currency));
        }

        // Every sum the item goes into is computed before any is changed, so an overflow leaves all of them as they were.
        var overflow = TokensOf(item, usage, out var direction, out var tokens);
        var bedrock = _bedrock.GetValueOrDefault(currency)?.Sums ?? default;
        var chosen = selected ? _selected.GetValueOrDefault(currency)?.Sums ?? default : default;
        var ofPeriod = periodTotal?.Sums ?? default;
        var grouped = group?.Sums ?? default;
        var newBedrock = bedrock;
        if (overflow == SumOverflow.None) overflow = bedrock.TryAdd(item, attributed, direction, tokens, out newBedrock);
        if (overflow == SumOverflow.None && selected) overflow = chosen.TryAdd(item, attributed, direction, tokens, out chosen);
        if (overflow == SumOverflow.None && selected) overflow = ofPeriod.TryAdd(item, attributed, direction, tokens, out ofPeriod);
        if (overflow == SumOverflow.None && selected) overflow = grouped.TryAdd(item, direction, tokens, out grouped);
        if (overflow != SumOverflow.None)
        {
            LeftOut += item.Count;
            return overflow;
        }

        LineItems += item.Count;
        _periods.Add(item.BillingPeriod);
        if (!usage.IsRecognised && item.UsageType is not null) _unrecognised.Add(item.UsageType);
        if (item.PayerAccount is { } payer && item.Account is { } account) _payers.TryAdd(account, payer);
        if (item.Tags is { } tagValues)
            for (var i = 0; i < tagValues.Length && i < _tagSeen.Length; i++) _tagSeen[i] |= tagValues[i] is not null;
        Total(_bedrock, currency).Sums = newBedrock;
        if (!selected) return SumOverflow.None;
        Total(_selected, currency).Sums = chosen;
        if (periodTotal is null)
            _selectedByPeriod.Add((item.BillingPeriod, currency), periodTotal = new CurrencyTotal { Currency = currency, BillingPeriod = item.BillingPeriod });
        periodTotal.Sums = ofPeriod;
        _lastPeriodTotal = periodTotal;
        if (group is null) _groups.Add((string?[])_scratch.Clone(), group = new Group());
        group.Sums = grouped;
        return SumOverflow.None;
    }

    /// <summary>
    /// The tokens a line item bills and their direction: usage amount x tokens per pricing unit; which sum would
    /// overflow when the product does not fit.
    /// </summary>
    private static SumOverflow TokensOf(in LineItem item, UsageTypeInfo usage, out TokenDirection direction, out decimal tokens)
    {
        direction = TokenDirection.None;
        tokens = 0m;
        if (usage.Direction == TokenDirection.None) return SumOverflow.None;
        var perUnit = usage.TokensPerUnit(item.PricingUnit, item.Marketplace);
        if (perUnit is null) return SumOverflow.None;
        if (!Sum.TryMultiply(item.UsageAmount, perUnit.Value, out tokens)) return SumOverflow.UsageAmount;
        direction = usage.Direction;
        return SumOverflow.None;
    }

    /// <summary>The query's principal, model, account and tag filters select the item.</summary>
    private bool Selects(in LineItem item, PrincipalInfo? principal, string? model)
    {
        if (!_principals.IsEmpty && !_principals.IsMatch(principal?.Arn)) return false;
        if (!_models.IsEmpty && !_models.IsMatch(model)) return false;
        if (!_accounts.IsEmpty && !_accounts.IsMatch(item.Account)) return false;
        foreach (var (index, pattern) in _tagFilters)
            if (!pattern.IsMatch(item.Tags?[index])) return false;
        return true;
    }

    private static CurrencyTotal Total(Dictionary<string, CurrencyTotal> totals, string currency)
    {
        if (!totals.TryGetValue(currency, out var t)) totals[currency] = t = new CurrencyTotal { Currency = currency };
        return t;
    }

    private static string? ModelOf(in LineItem item, UsageTypeInfo usage)
    {
        if (item.Model is not null) return item.Model;
        if (usage.Model is not null) return usage.Model;
        if (!string.IsNullOrEmpty(item.ProductModel)) return ModelNames.Normalise(item.ProductModel);
        return null;
    }

    private string? DimensionValue(GroupDimension dim, in LineItem item, UsageTypeInfo usage, PrincipalInfo? p, string? model) => dim.Kind switch
    {
        Dimension.Principal => p?.Arn ?? Unattributed,
        Dimension.PrincipalType => p?.Kind.ToString() ?? Unattributed,
        Dimension.Person => p is null ? Unattributed : p.Person ?? NoPersonLabel(p.Kind),
        Dimension.Role => p is null ? Unattributed : p.Role ?? None,
        Dimension.Account => item.Account ?? p?.Account ?? None,
        Dimension.Model => model ?? None,
        Dimension.TokenType => usage.TokenType,
        Dimension.Region => usage.Region ?? item.ProductRegion ?? None,
        Dimension.UsageType => item.UsageType ?? None,
        Dimension.Day => item.UsageStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Dimension.Month => item.UsageStart.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        Dimension.BillingPeriod => item.BillingPeriod,
        Dimension.Tag => item.Tags?[Array.IndexOf(TagKeys, dim.TagKey)] ?? Untagged,
        _ => null,
    };

    /// <summary>
    /// The Person of calls made by no person, by what made them: a labelled group of its own, so that
    /// -GroupBy Person never ranks somebody called "(none)".
    /// </summary>
    public static string NoPersonLabel(PrincipalKind kind) => kind switch
    {
        PrincipalKind.ApiKey => "(API key)",
        PrincipalKind.Root => "(root user)",
        PrincipalKind.Unknown => "(unknown caller)",
        _ => "(application)",
    };

    /// <summary>
    /// Adds another worker's groups and totals into this one; false, changing nothing, when a sum would overflow
    /// (the caller then counts the other's line items as left out).
    /// </summary>
    public bool TryMerge(Aggregator other)
    {
        var groups = new List<(Group? Mine, string?[] Key, GroupSums Sums)>(other._groups.Count);
        var bedrock = new List<(string Currency, TotalSums Sums)>();
        var selected = new List<(string Currency, TotalSums Sums)>();
        var byPeriod = new List<((string Period, string Currency) Key, TotalSums Sums)>();
        try
        {
            foreach (var (key, g) in other._groups)
            {
                var mine = _groups.GetValueOrDefault(key);
                groups.Add((mine, key, mine is null ? g.Sums : mine.Sums.Plus(g.Sums)));
            }
            foreach (var (c, t) in other._bedrock) bedrock.Add((c, (_bedrock.GetValueOrDefault(c)?.Sums ?? default).Plus(t.Sums)));
            foreach (var (c, t) in other._selected) selected.Add((c, (_selected.GetValueOrDefault(c)?.Sums ?? default).Plus(t.Sums)));
            foreach (var (k, t) in other._selectedByPeriod) byPeriod.Add((k, (_selectedByPeriod.GetValueOrDefault(k)?.Sums ?? default).Plus(t.Sums)));
        }
        catch (OverflowException)
        {
            return false;
        }
        foreach (var (mine, key, sums) in groups)
        {
            if (mine is null) _groups.Add(key, new Group { Sums = sums });
            else mine.Sums = sums;
        }
        foreach (var (c, sums) in bedrock) Total(_bedrock, c).Sums = sums;
        foreach (var (c, sums) in selected) Total(_selected, c).Sums = sums;
        foreach (var (k, sums) in byPeriod)
        {
            if (!_selectedByPeriod.TryGetValue(k, out var t))
                _selectedByPeriod.Add(k, t = new CurrencyTotal { Currency = k.Currency, BillingPeriod = k.Period });
            t.Sums = sums;
        }
        _periods.UnionWith(other._periods);
        _unrecognised.UnionWith(other._unrecognised);
        foreach (var (account, payer) in other._payers) _payers.TryAdd(account, payer);
        _seenPrincipals?.UnionWith(other._seenPrincipals!);
        _seenModels?.UnionWith(other._seenModels!);
        _seenAccounts?.UnionWith(other._seenAccounts!);
        for (var i = 0; i < _tagSeen.Length; i++)
        {
            _tagSeen[i] |= other._tagSeen[i];
            _seenTagValues[i]?.UnionWith(other._seenTagValues[i]!);
        }
        LineItems += other.LineItems;
        LeftOut += other.LeftOut;
        return true;
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
        var rows = Sort(_groups.Where(kv => !kv.Value.IsEmpty)
            .Select(kv => (kv.Key, ToRow(kv.Key, kv.Value, basis, groupBy, periodText, source)))).ToList();
        var unrecognised = _unrecognised.Order(StringComparer.Ordinal).ToArray();
        if (unrecognised.Length > 0)
            ctx.Warning($"Unrecognised Bedrock usage type(s), counted with no model or token direction: {string.Join(", ", unrecognised.Take(10))}" +
                        (unrecognised.Length > 10 ? $" and {unrecognised.Length - 10} more" : string.Empty) + ".");
        WarnAboutFilters(ctx, periodText);
        return new CostResult
        {
            Rows = rows,
            BedrockTotals = _bedrock.Values.OrderBy(t => t.Currency, StringComparer.Ordinal).ToList(),
            SelectedTotals = _selected.Values.OrderBy(t => t.Currency, StringComparer.Ordinal).ToList(),
            PeriodTotals = _selectedByPeriod.Values.OrderBy(t => t.BillingPeriod, StringComparer.Ordinal).ThenBy(t => t.Currency, StringComparer.Ordinal).ToList(),
            TagKeysNotFound = TagKeys.Where((_, i) => !_tagSeen[i]).ToArray(),
            BillingAccounts = new Dictionary<string, string>(_payers, StringComparer.Ordinal),
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

    /// <summary>
    /// Rows in the order a reader expects: by date when grouped by Day, Month or BillingPeriod (a time series);
    /// otherwise attributed before unattributed, largest cost first.
    /// </summary>
    private IEnumerable<PrincipalCost> Sort(IEnumerable<(string?[] Key, PrincipalCost Row)> rows)
    {
        var byTime = _dims.Any(d => d.Kind is Dimension.Day or Dimension.Month or Dimension.BillingPeriod);
        var byPeriod = _dims.Any(d => d.Kind == Dimension.BillingPeriod);
        var ordered = byTime
            ? rows.OrderBy(x => x.Row.Day).ThenBy(x => x.Row.Month, StringComparer.Ordinal)
                .ThenBy(x => byPeriod ? x.Row.BillingPeriod : null, StringComparer.Ordinal)
                .ThenByDescending(x => x.Row.IsAttributed)
            : rows.OrderByDescending(x => x.Row.IsAttributed);
        return ordered.ThenByDescending(x => x.Row.Cost)
            .ThenBy(x => x.Row.Principal ?? x.Row.Model ?? x.Row.TagValue ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(x => x.Row.Day).ThenBy(x => x.Row.UnattributedReason, StringComparer.Ordinal)
            // Rows equal on all of these (differing in month, region or another tag...) by their group key, so the
            // order never depends on the order the line items arrived in (files, workers, a source's result).
            .ThenBy(x => x.Key, KeyComparer.Instance)
            .Select(x => x.Row);
    }

    /// <summary>
    /// A filter that selected nothing is said, with what the data holds instead (the nearest names), so that a
    /// typo is not taken for "no cost".
    /// </summary>
    private void WarnAboutFilters(IOperationContext ctx, string periods)
    {
        void Check(string parameter, IReadOnlyList<string> patterns, HashSet<string>? seen, string what, bool arn = false)
        {
            if (seen is null) return;
            foreach (var pattern in patterns)
            {
                var regex = WildcardSet.ToRegex(pattern);
                if (seen.Any(regex.IsMatch)) continue;
                ctx.Warning(NothingMatched(parameter, pattern, what, periods, seen, arn));
            }
        }
        Check("-Principal", _query.Principals, _seenPrincipals, "principal", arn: true);
        Check("-Model", _query.Models, _seenModels, "model");
        Check("-Account", _query.Accounts, _seenAccounts, "account");
        foreach (var (index, _) in _tagFilters)
        {
            var tagKey = TagKeys[index];
            Check($"-Tag {tagKey}", new[] { _query.Tags[tagKey] }, _seenTagValues[index], $"value of the tag {tagKey}");
        }
    }

    private static string NothingMatched(string parameter, string pattern, string what, string periods, IReadOnlyCollection<string> seen, bool arn)
    {
        var where = periods.Length == 0 ? "the data read" : $"the data read ({periods})";
        if (seen.Count == 0) return $"{parameter} '{pattern}' matches no {what}: {where} has none.";
        var nearest = Nearest(pattern, seen, 5);
        return $"{parameter} '{pattern}' matches no {what} in {where}. " +
               $"{(seen.Count <= 5 ? "Present" : $"Nearest of the {seen.Count} present")}: {string.Join(", ", nearest.Select(n => $"'{n}'"))}." +
               (arn && !pattern.StartsWith('*') ? $" The pattern matches the whole ARN: try '*{pattern.TrimEnd('*')}*'." : string.Empty);
    }

    /// <summary>The values closest to a pattern (its text without wildcards, by edit distance; substrings first).</summary>
    internal static IReadOnlyList<string> Nearest(string pattern, IEnumerable<string> values, int count)
    {
        var bare = new string(pattern.Where(c => c is not ('*' or '?' or '[' or ']' or '`')).ToArray()).ToLowerInvariant();
        return values
            .Select(v => (Value: v, Lower: v.ToLowerInvariant()))
            .OrderBy(v => bare.Length > 0 && v.Lower.Contains(bare, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(v => Distance(bare, v.Lower))
            .ThenBy(v => v.Value, StringComparer.Ordinal)
            .Take(count).Select(v => v.Value).ToList();
    }

    /// <summary>Levenshtein distance of <paramref name="a"/> to the closest substring-aligned part of <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length == 0) return b.Length;
        // Best match of a anywhere in b (free prefix and suffix in b): names are found inside ARNs.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous.Min();
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
            BillingPeriod = Get(Dimension.BillingPeriod) ?? periods,
            Principal = principalArn,
            PrincipalType = Get(Dimension.PrincipalType) ?? p?.Kind.ToString() ?? (unattributed ? Unattributed : null),
            Person = Get(Dimension.Person) ?? (p is null ? (unattributed ? Unattributed : null) : p.Person ?? NoPersonLabel(p.Kind)),
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
            UnblendedCost = g.Sums.Unblended,
            NetUnblendedCost = g.Sums.Net,
            Cost = basis == CostBasis.NetUnblended ? g.Sums.Net : g.Sums.Unblended,
            CostBasis = basis.ToString(),
            InputTokens = (long)Math.Round(g.Sums.Input),
            OutputTokens = (long)Math.Round(g.Sums.Output),
            CacheReadTokens = (long)Math.Round(g.Sums.CacheRead),
            CacheWriteTokens = (long)Math.Round(g.Sums.CacheWrite),
            LineItemCount = g.Sums.Count,
            Source = source,
            GroupBy = groupBy,
        };
    }

    private sealed class Group
    {
        public GroupSums Sums;
        public bool IsEmpty => Sums.IsEmpty;
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

/// <summary>Which sum adding a line item would overflow; None when it fits.</summary>
public enum SumOverflow : byte { None, UnblendedCost, NetUnblendedCost, UsageAmount }

/// <summary>The sums of one currency's total (see <see cref="CurrencyTotal"/>); adding never changes them in place.</summary>
internal struct TotalSums
{
    public decimal Unblended, Net, AttributedUnblended, AttributedNet;
    /// <summary>Tokens per direction: decimal (usage amounts are fractional in "1K tokens" units), rounded once when read.</summary>
    public decimal Input, Output, CacheRead, CacheWrite;
    public long LineItems;

    /// <summary>These sums with the item (and its <paramref name="tokens"/>) added; which sum would overflow instead.</summary>
    public readonly SumOverflow TryAdd(in LineItem item, bool attributed, TokenDirection direction, decimal tokens, out TotalSums result)
    {
        result = this;
        if (!Sum.TryAdd(Unblended, item.UnblendedCost, out result.Unblended) ||
            attributed && !Sum.TryAdd(AttributedUnblended, item.UnblendedCost, out result.AttributedUnblended)) return SumOverflow.UnblendedCost;
        if (!Sum.TryAdd(Net, item.NetUnblendedCost, out result.Net) ||
            attributed && !Sum.TryAdd(AttributedNet, item.NetUnblendedCost, out result.AttributedNet)) return SumOverflow.NetUnblendedCost;
        if (!Sum.TryAddTokens(ref result.Input, ref result.Output, ref result.CacheRead, ref result.CacheWrite, direction, tokens)) return SumOverflow.UsageAmount;
        result.LineItems += item.Count;
        return SumOverflow.None;
    }

    /// <exception cref="OverflowException">A sum would overflow.</exception>
    public readonly TotalSums Plus(TotalSums o)
    {
        var r = new TotalSums
        {
            Unblended = Unblended + o.Unblended, Net = Net + o.Net,
            AttributedUnblended = AttributedUnblended + o.AttributedUnblended, AttributedNet = AttributedNet + o.AttributedNet,
            Input = Input + o.Input, Output = Output + o.Output, CacheRead = CacheRead + o.CacheRead, CacheWrite = CacheWrite + o.CacheWrite,
            LineItems = LineItems + o.LineItems,
        };
        Sum.CheckTokens(r.Input, r.Output, r.CacheRead, r.CacheWrite);
        return r;
    }
}

/// <summary>The sums of one group: cost, tokens per direction (whole tokens fit a long) and line items.</summary>
internal struct GroupSums
{
    public decimal Unblended, Net, Input, Output, CacheRead, CacheWrite;
    public long Count;

    public readonly bool IsEmpty => Count == 0 && Unblended == 0m && Net == 0m && Input == 0m && Output == 0m && CacheRead == 0m && CacheWrite == 0m;

    /// <summary>These sums with the item and its <paramref name="tokens"/> (see <c>Aggregator.TokensOf</c>) added; which sum would overflow instead.</summary>
    public readonly SumOverflow TryAdd(in LineItem item, TokenDirection direction, decimal tokens, out GroupSums result)
    {
        result = this;
        if (!Sum.TryAdd(Unblended, item.UnblendedCost, out result.Unblended)) return SumOverflow.UnblendedCost;
        if (!Sum.TryAdd(Net, item.NetUnblendedCost, out result.Net)) return SumOverflow.NetUnblendedCost;
        if (!Sum.TryAddTokens(ref result.Input, ref result.Output, ref result.CacheRead, ref result.CacheWrite, direction, tokens)) return SumOverflow.UsageAmount;
        result.Count += item.Count;
        return SumOverflow.None;
    }

    /// <exception cref="OverflowException">A sum would overflow.</exception>
    public readonly GroupSums Plus(GroupSums o)
    {
        var r = new GroupSums
        {
            Unblended = Unblended + o.Unblended, Net = Net + o.Net, Count = Count + o.Count,
            Input = Input + o.Input, Output = Output + o.Output, CacheRead = CacheRead + o.CacheRead, CacheWrite = CacheWrite + o.CacheWrite,
        };
        Sum.CheckTokens(r.Input, r.Output, r.CacheRead, r.CacheWrite);
        return r;
    }
}

/// <summary>Decimal arithmetic that reports an overflow instead of throwing it (decimal has no unchecked mode).</summary>
internal static class Sum
{
    public static bool TryAdd(decimal a, decimal b, out decimal sum)
    {
        try { sum = a + b; return true; }
        catch (OverflowException) { sum = a; return false; }
    }

    public static bool TryMultiply(decimal a, decimal b, out decimal product)
    {
        try { product = a * b; return true; }
        catch (OverflowException) { product = 0m; return false; }
    }

    private static readonly decimal MaxTokens = long.MaxValue;

    /// <summary>
    /// Adds <paramref name="tokens"/> to the sum of its direction; false, leaving that sum as it was, when it would
    /// leave the range of a long (whole tokens are read as longs).
    /// </summary>
    public static bool TryAddTokens(ref decimal input, ref decimal output, ref decimal cacheRead, ref decimal cacheWrite, TokenDirection direction, decimal tokens)
    {
        ref var sum = ref input;
        switch (direction)
        {
            case TokenDirection.None: return true;
            case TokenDirection.Output: sum = ref output; break;
            case TokenDirection.CacheRead: sum = ref cacheRead; break;
            case TokenDirection.CacheWrite: sum = ref cacheWrite; break;
        }
        if (!TryAdd(sum, tokens, out var added) || Math.Abs(added) > MaxTokens) return false;
        sum = added;
        return true;
    }

    /// <exception cref="OverflowException">A token count beyond the range of a long.</exception>
    public static void CheckTokens(params decimal[] sums)
    {
        foreach (var s in sums)
            if (Math.Abs(s) > MaxTokens) throw new OverflowException("a token count beyond the range of a long");
    }
}
