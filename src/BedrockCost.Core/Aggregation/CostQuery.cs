using System.Globalization;
using System.Text.RegularExpressions;

namespace BedrockCost.Core.Aggregation;

public enum CostBasis { Unblended, NetUnblended }

/// <summary>Dimensions a result can be grouped by. <see cref="Tag"/> takes a tag key.</summary>
public enum Dimension { Principal, PrincipalType, Person, Role, Account, Model, TokenType, Region, UsageType, Day, Month, BillingPeriod, Tag }

/// <summary>One group-by dimension; for <see cref="Dimension.Tag"/> the tag key (for example iamPrincipal/team).</summary>
public sealed record GroupDimension(Dimension Kind, string? TagKey = null)
{
    public override string ToString() => Kind == Dimension.Tag ? TagKey! : Kind.ToString();

    /// <summary>
    /// Parses a -GroupBy word: a dimension name, or a tag key. A key with a '/' is taken as it is
    /// (iamPrincipal/team, resourceTags/app); "tag:team" means iamPrincipal/team.
    /// </summary>
    public static GroupDimension Parse(string text)
    {
        var t = text.Trim();
        if (t.Length > 0 && !t.Equals(nameof(Dimension.Tag), StringComparison.OrdinalIgnoreCase) &&
            Enum.TryParse<Dimension>(t, ignoreCase: true, out var d) && !int.TryParse(t, out _))
            return new GroupDimension(d);
        if (t.StartsWith("tag:", StringComparison.OrdinalIgnoreCase)) return new GroupDimension(Dimension.Tag, TagKeys.Qualify(t[4..]));
        if (t.Contains('/') && t.IndexOf('/') > 0 && t.IndexOf('/') < t.Length - 1) return new GroupDimension(Dimension.Tag, t);
        throw new BedrockCostException(ErrorIds.InvalidGroupBy, ErrorKind.InvalidArgument,
            $"Cannot group by '{text}'. Use one or more of {string.Join(", ", Enum.GetNames<Dimension>().Where(n => n != "Tag"))}, or a tag key such as 'iamPrincipal/team'.",
            text);
    }
}

public static class TagKeys
{
    public const string PrincipalPrefix = "iamPrincipal/";

    /// <summary>A bare key ("team") means the principal tag iamPrincipal/team.</summary>
    public static string Qualify(string key) => key.Contains('/') ? key : PrincipalPrefix + key;
}

/// <summary>What to compute: period, filters, grouping and cost basis. A record, so a variant is "query with { ... }".</summary>
public sealed record CostQuery
{
    /// <summary>Billing periods (YYYY-MM). Empty with no dates: the latest period present.</summary>
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();

    /// <summary>Usage start, inclusive, UTC.</summary>
    public DateTime? StartDate { get; init; }

    /// <summary>Usage end, exclusive, UTC.</summary>
    public DateTime? EndDate { get; init; }

    public IReadOnlyList<GroupDimension> GroupBy { get; init; } = new[] { new GroupDimension(Dimension.Principal) };
    public IReadOnlyList<string> Principals { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Models { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Accounts { get; init; } = Array.Empty<string>();

    /// <summary>Tag filters: key (qualified) to a wildcard value; all must match.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public CostBasis CostBasis { get; init; } = CostBasis.Unblended;

    /// <summary>Count AmazonBedrockAgentCore (agent infrastructure) as Bedrock spend.</summary>
    public bool IncludeAgentCore { get; init; }

    /// <summary>
    /// Read the payer account of each line item (bill_payer_account_id) into <see cref="CostResult.BillingAccounts"/>:
    /// only statements that name billing accounts (FOCUS) ask, so other queries never decode it.
    /// </summary>
    public bool IncludeBillingAccounts { get; init; }

    /// <summary>True when the rows are grouped by <paramref name="dimension"/>.</summary>
    public bool GroupsBy(Dimension dimension) => GroupBy.Any(g => g.Kind == dimension);

    /// <summary>Every tag key the query needs to read.</summary>
    public IReadOnlySet<string> TagKeysNeeded =>
        GroupBy.Where(g => g.Kind == Dimension.Tag).Select(g => g.TagKey!).Concat(Tags.Keys)
            .ToHashSet(StringComparer.Ordinal);

    public static string ValidatePeriod(string period) =>
        IsPeriod(period) ? period
            : throw new BedrockCostException(ErrorIds.InvalidBillingPeriod, ErrorKind.InvalidArgument, PeriodFormatMessage(period), period);

    /// <summary>A billing period: YYYY-MM, month 01 to 12.</summary>
    public static bool IsPeriod(string? text) =>
        text is { Length: 7 } && DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    /// <summary>What to say about a value that is not a billing period (also the -BillingPeriod validation message).</summary>
    public static string PeriodFormatMessage(string? text) =>
        $"'{text}' is not a billing period: use YYYY-MM, for example 2026-05.";

    /// <summary>The start (UTC) of a billing period YYYY-MM.</summary>
    public static DateTime PeriodStart(string period) =>
        DateTime.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public bool InDateRange(DateTime usageStart) =>
        (StartDate is null || usageStart >= StartDate) && (EndDate is null || usageStart < EndDate);

    /// <summary>Billing periods that overlap the date range.</summary>
    public bool PeriodOverlapsDates(string period)
    {
        var start = PeriodStart(period);
        var end = start.AddMonths(1);
        return (StartDate is null || StartDate < end) && (EndDate is null || EndDate > start);
    }
}

/// <summary>Case-insensitive PowerShell-style wildcards (* ? [abc]) without a PowerShell reference.</summary>
public sealed class WildcardSet
{
    private readonly Regex[] _patterns;

    public WildcardSet(IEnumerable<string> patterns) =>
        _patterns = patterns.Select(ToRegex).ToArray();

    public bool IsEmpty => _patterns.Length == 0;

    public bool IsMatch(string? value) =>
        _patterns.Length == 0 || (value is not null && _patterns.Any(p => p.IsMatch(value)));

    public static Regex ToRegex(string pattern)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '`' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close > i + 1) { sb.Append('[').Append(pattern[(i + 1)..close].Replace("\\", "\\\\")).Append(']'); i = close; }
                    else sb.Append("\\[");
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }
}
