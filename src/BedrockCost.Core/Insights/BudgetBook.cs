using System.Globalization;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Insights;

/// <summary>What a budget key is matched against.</summary>
public enum BudgetTarget
{
    /// <summary>The value of any grouped dimension (principal ARN, person, role, tag value...) or the group's display text.</summary>
    Group,
    Principal,
    Role,
    Person,
}

/// <summary>The budget that applied to a group.</summary>
public sealed record BudgetMatch(string Key, decimal Amount);

/// <summary>
/// Monthly budgets keyed by wildcard patterns (case-insensitive, * ? [abc]). A key matches a group when it
/// matches the group's value of one grouped dimension (for example the principal ARN, the person, or the
/// value of the iamPrincipal/team tag) or the group's display text. An exact (wildcard-free) match wins;
/// otherwise the longest matching key wins (ties: ordinal order), so 'arn:aws:iam::111122223333:user/*'
/// beats '*'. Keys can also target the principal, role or person explicitly (the chargeback mapping file's
/// Match column), whatever the grouping.
/// </summary>
public sealed class BudgetBook
{
    private readonly List<(string Key, BudgetTarget Target, decimal Amount, System.Text.RegularExpressions.Regex Pattern, bool Literal)> _entries = new();

    public int Count => _entries.Count;

    public BudgetBook Add(string key, decimal amount, BudgetTarget target = BudgetTarget.Group)
    {
        if (string.IsNullOrWhiteSpace(key))
            throw new BedrockCostException(ErrorIds.InvalidBudget, ErrorKind.InvalidArgument, "A budget key is empty.", key);
        if (amount < 0m)
            throw new BedrockCostException(ErrorIds.InvalidBudget, ErrorKind.InvalidArgument,
                $"The budget of '{key}' is negative ({amount.ToString(CultureInfo.InvariantCulture)}).", key);
        _entries.Add((key, target, amount, WildcardSet.ToRegex(key), key.IndexOfAny(new[] { '*', '?', '[' }) < 0));
        return this;
    }

    /// <summary>Parses a budget amount from what a hashtable or a file holds (number or invariant text).</summary>
    public static decimal ParseAmount(string key, object? value)
    {
        try
        {
            return value switch
            {
                decimal d => d,
                double or float or int or long or short or byte => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
                string s when decimal.TryParse(s.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            throw new BedrockCostException(ErrorIds.InvalidBudget, ErrorKind.InvalidArgument,
                $"The budget of '{key}' is not an amount: '{value}'. Use a number, for example @{{ '{key}' = 500 }}.", key, e);
        }
    }

    /// <summary>The budget of the group <paramref name="identity"/> (a row with the group's dimensions), or null.</summary>
    public BudgetMatch? Find(PrincipalCost identity)
    {
        var groupValues = GroupValues(identity).ToArray();
        string?[] Candidates(BudgetTarget t) => t switch
        {
            BudgetTarget.Principal => new[] { identity.Principal },
            BudgetTarget.Role => new[] { identity.Role },
            BudgetTarget.Person => new[] { identity.Person },
            _ => groupValues,
        };
        var matches = _entries.Where(e => Candidates(e.Target).Any(v => v is not null && e.Pattern.IsMatch(v))).ToList();
        if (matches.Count == 0) return null;
        var best = matches.OrderByDescending(e => e.Literal).ThenByDescending(e => e.Key.Length).ThenBy(e => e.Key, StringComparer.Ordinal).First();
        return new BudgetMatch(best.Key, best.Amount);
    }

    private static IEnumerable<string?> GroupValues(PrincipalCost identity) =>
        identity.GroupBy.Select(identity.DimensionValue).Append(identity.Group);
}
