using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Insights;

/// <summary>
/// The group an insight is about: the grouped dimensions with the same property names as
/// <see cref="PrincipalCost"/>, so insights bind by property name like cost rows do.
/// </summary>
public abstract class CostGroup : GroupDimensions
{
    protected CostGroup() { }

    /// <summary>Takes the group's dimensions from <paramref name="identity"/> (see <see cref="GroupSeries.IdentityRow"/>).</summary>
    protected CostGroup(PrincipalCost identity) : base(identity) { }
}

/// <summary>One group's daily cost (index 0 = <see cref="DailyCostSet.FirstDay"/>) and its model/token-type mix.</summary>
public sealed class GroupSeries
{
    internal GroupSeries(string key, PrincipalCost identity, int days)
    {
        Key = key;
        IdentityRow = identity;
        Daily = new decimal[days];
    }

    /// <summary>Stable key of the group (dimension values, unattributed reason, currency).</summary>
    public string Key { get; }
    /// <summary>A cost row holding the group's dimensions (Day and the mix dimensions cleared).</summary>
    public PrincipalCost IdentityRow { get; }
    public decimal[] Daily { get; }
    /// <summary>Daily cost per (Model, TokenType) inside the group.</summary>
    public Dictionary<(string Model, string TokenType), decimal[]> Mix { get; } = new();
    public string Group => IdentityRow.Group;

    /// <summary>Index of the first day with a non-zero cost, or -1.</summary>
    public int FirstActiveIndex => Array.FindIndex(Daily, c => c != 0m);
}

/// <summary>
/// Daily cost series per group, built from cost rows grouped by the group dimensions plus Model, TokenType and
/// Day (one query serves both the series and the explanation of what changed). Days without cost are zeros
/// for every group, from the first to the last day present in the data.
/// </summary>
public sealed class DailyCostSet
{
    /// <summary>Unattributed reasons that are billing adjustments posted per period, not workload.</summary>
    public static readonly IReadOnlySet<string> AdjustmentReasons =
        new HashSet<string>(StringComparer.Ordinal) { "credit", "refund", "tax", "fee", "discount", "savings plan" };

    public DateTime FirstDay { get; private init; }
    public DateTime LastDay { get; private init; }
    public int Days => (int)(LastDay - FirstDay).TotalDays + 1;
    public IReadOnlyList<GroupSeries> Groups { get; private init; } = Array.Empty<GroupSeries>();
    /// <summary>Cost of the billing adjustments left out (credits, tax, ...), per currency.</summary>
    public IReadOnlyDictionary<string, decimal> ExcludedAdjustments { get; private init; } = new Dictionary<string, decimal>();

    public DateTime DayOf(int index) => FirstDay.AddDays(index);
    public int IndexOf(DateTime day) => (int)(day.Date - FirstDay).TotalDays;

    /// <summary>
    /// The dimensions to query: the group dimensions plus Day, and the Model and TokenType of the mix where the
    /// source has them (Cost Explorer has no token types).
    /// </summary>
    public static IReadOnlyList<GroupDimension> QueryDimensions(IEnumerable<GroupDimension> groupBy, Sources.SourceCapabilities capabilities)
    {
        var dims = groupBy.Where(d => d.Kind != Dimension.Day).Distinct().ToList();
        foreach (var extra in new[] { Dimension.Model, Dimension.TokenType, Dimension.Day })
            if (!dims.Any(d => d.Kind == extra) && capabilities.CanGroupBy(extra)) dims.Add(new GroupDimension(extra));
        return dims;
    }

    /// <summary>
    /// Builds the series. <paramref name="rows"/> must be grouped by <see cref="QueryDimensions"/>; rows without
    /// a day and billing adjustments are left out. The day range is the data's own, cut to
    /// [<paramref name="from"/>, <paramref name="to"/>] when given.
    /// </summary>
    public static DailyCostSet Build(IEnumerable<PrincipalCost> rows, IReadOnlyList<GroupDimension> groupBy,
        DateTime? from = null, DateTime? to = null)
    {
        var dims = groupBy.Where(d => d.Kind != Dimension.Day).Distinct().ToArray();
        var names = dims.Select(d => d.ToString()).ToArray();
        var excluded = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var kept = new List<PrincipalCost>();
        foreach (var r in rows)
        {
            if (r.Day is not DateTime day) continue;
            if (from is not null && day < from.Value.Date) continue;
            if (to is not null && day > to.Value.Date) continue;
            if (AdjustmentReasons.Contains(r.UnattributedReason))
            {
                excluded[r.Currency] = excluded.GetValueOrDefault(r.Currency) + r.Cost;
                continue;
            }
            kept.Add(r);
        }
        if (kept.Count == 0)
        {
            // No day: an empty range (LastDay before FirstDay) that stays within DateTime's range.
            var firstDay = from?.Date ?? DateTime.MinValue.AddDays(1);
            return new DailyCostSet { FirstDay = firstDay, LastDay = firstDay.AddDays(-1), ExcludedAdjustments = excluded };
        }

        var first = kept.Min(r => r.Day!.Value);
        var last = kept.Max(r => r.Day!.Value);
        int days = (int)(last - first).TotalDays + 1;
        var groups = new Dictionary<string, GroupSeries>(StringComparer.Ordinal);
        foreach (var r in kept)
        {
            var key = string.Join('\u001f', dims.Select(d => r.DimensionValue(d.ToString()) ?? string.Empty).Append(r.UnattributedReason).Append(r.Currency));
            if (!groups.TryGetValue(key, out var g))
                groups[key] = g = new GroupSeries(key, IdentityOf(r, dims, names), days);
            int i = (int)(r.Day!.Value - first).TotalDays;
            g.Daily[i] += r.Cost;
            var mixKey = (r.Model ?? Aggregator.None, r.TokenType ?? Aggregator.None);
            if (!g.Mix.TryGetValue(mixKey, out var mix)) g.Mix[mixKey] = mix = new decimal[days];
            mix[i] += r.Cost;
        }
        return new DailyCostSet
        {
            FirstDay = first,
            LastDay = last,
            Groups = groups.Values.OrderBy(g => g.Key, StringComparer.Ordinal).ToList(),
            ExcludedAdjustments = excluded,
        };
    }

    /// <summary>A row holding what identifies a group: its dimensions (the mix's model and token type only when grouped by them), no figures.</summary>
    private static PrincipalCost IdentityOf(PrincipalCost r, GroupDimension[] dims, string[] names)
    {
        bool Has(Dimension k) => dims.Any(d => d.Kind == k);
        return new PrincipalCost(r)
        {
            BillingPeriod = r.BillingPeriod,
            Session = r.Session,
            Model = Has(Dimension.Model) ? r.Model : null,
            TokenType = Has(Dimension.TokenType) || Has(Dimension.UsageType) ? r.TokenType : null,
            Tier = Has(Dimension.UsageType) ? r.Tier : null,
            UsageCategory = Has(Dimension.UsageType) ? r.UsageCategory : null,
            Modality = Has(Dimension.UsageType) ? r.Modality : null,
            CacheTtl = Has(Dimension.UsageType) ? r.CacheTtl : null,
            Endpoint = Has(Dimension.UsageType) ? r.Endpoint : null,
            Month = r.Month,
            Source = r.Source,
            GroupBy = names,
        };
    }
}
