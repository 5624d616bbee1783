using BedrockCost.Core.Classification;

namespace BedrockCost.Core;

/// <summary>
/// Who and what a cost belongs to: the dimensions every output shares (<see cref="PrincipalCost"/>,
/// Allocation.ChargebackLine, the insights' Insights.CostGroup), declared once so that their property names, the
/// contract of binding by property name, cannot drift apart.
/// </summary>
public abstract class CostDimensions
{
    protected CostDimensions() { }

    /// <summary>Takes the dimensions of <paramref name="from"/>.</summary>
    protected CostDimensions(CostDimensions from)
    {
        Principal = from.Principal;
        PrincipalType = from.PrincipalType;
        Person = from.Person;
        Role = from.Role;
        Account = from.Account;
        Model = from.Model;
    }

    public string? Principal { get; init; }
    public string? PrincipalType { get; init; }
    public string? Person { get; init; }
    public string? Role { get; init; }
    public string? Account { get; init; }
    public string? Model { get; init; }

    /// <summary>
    /// <paramref name="text"/> cut to <paramref name="width"/> characters for a table (the format views call it),
    /// never the amounts: a trailing "(...)" (an account, an unattributed reason) stays when it takes at most half
    /// the width and the name before it gives way; otherwise the end is cut.
    /// </summary>
    public string? ShortText(string? text, int width)
    {
        if (text is null || text.Length <= width || width < 2) return text;
        var open = text.LastIndexOf(" (", StringComparison.Ordinal);
        if (open > 0 && text.EndsWith(')'))
        {
            var tail = text.Length - open;
            if (tail <= width / 2) return string.Concat(text.AsSpan(0, width - 1 - tail), "\u2026", text.AsSpan(open));
            if (open <= width) return text[..open];
            text = text[..open];
        }
        return string.Concat(text.AsSpan(0, width - 1), "\u2026");
    }
}

/// <summary>
/// The dimensions of a group of cost (a <see cref="PrincipalCost"/> row, or the group an insight is about):
/// the principal's, the usage's, the grouped tags, and the display text of the grouping.
/// </summary>
public abstract class GroupDimensions : CostDimensions
{
    protected GroupDimensions() { }

    /// <summary>Takes the group's dimensions (not its figures) from <paramref name="from"/>.</summary>
    protected GroupDimensions(GroupDimensions from) : base(from)
    {
        TokenType = from.TokenType;
        Region = from.Region;
        UsageType = from.UsageType;
        Tags = from.Tags;
        UnattributedReason = from.UnattributedReason;
        Currency = from.Currency;
        CostBasis = from.CostBasis;
        GroupBy = from.GroupBy;
    }

    public string? TokenType { get; init; }
    public string? Region { get; init; }
    public string? UsageType { get; init; }
    /// <summary>Values of the grouped tag keys ("(untagged)" when absent).</summary>
    public IReadOnlyDictionary<string, string> Tags { get => _tags; init => _tags = TagValues.From(value); }
    private TagValues _tags = TagValues.Empty;

    /// <summary>Sets the tags of a copy being made (see PrincipalCost.WithTag); objects handed out never change.</summary>
    private protected void SetTags(TagValues tags) => _tags = tags;
    /// <summary>First grouped tag value, for tables and Group-Object.</summary>
    public string? TagValue => Tags.Count == 0 ? null : Tags.First().Value;
    /// <summary>Why the cost has no principal (credit, tax, discount, no principal...); empty when attributed.</summary>
    public string UnattributedReason { get; init; } = string.Empty;
    public bool IsAttributed => UnattributedReason.Length == 0;
    public string Currency { get; init; } = "USD";
    public string CostBasis { get; init; } = "Unblended";
    /// <summary>The dimensions the group was grouped by.</summary>
    public IReadOnlyList<string> GroupBy { get => _groupBy; init => _groupBy = DimensionNames.From(value); }
    private readonly DimensionNames _groupBy = DimensionNames.Empty;

    /// <summary>Display text of the grouped dimensions, principals shortened to their resource part.</summary>
    public string Group
    {
        get
        {
            var text = string.Join(" | ", GroupBy.Select(d => d == "Principal" ? PrincipalParser.ShortName(Principal) : DimensionValue(d)));
            if (IsAttributed) return text;
            var label = $"(unattributed: {UnattributedReason})";
            return text.Contains(Aggregation.Aggregator.Unattributed) ? text.Replace(Aggregation.Aggregator.Unattributed, label) : $"{text} {label}";
        }
    }

    /// <summary>The value of a grouped dimension, by its name (a dimension or a tag key).</summary>
    internal virtual string? DimensionValue(string dimension) => dimension switch
    {
        "Principal" => Principal,
        "PrincipalType" => PrincipalType,
        "Person" => Person,
        "Role" => Role,
        "Account" => Account,
        "Model" => Model,
        "TokenType" => TokenType,
        "Region" => Region,
        "UsageType" => UsageType,
        _ => Tags.TryGetValue(dimension, out var v) ? v : null,
    };
}
