using System.Globalization;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Allocation;

/// <summary>How to build a statement: cost-centre sources in order of precedence, and the unallocated policy.</summary>
public sealed class ChargebackOptions
{
    public CostCenterMapping Mapping { get; init; } = CostCenterMapping.Empty;
    /// <summary>Qualified tag key holding the cost centre (iamPrincipal/cost-center), or null.</summary>
    public string? CostCenterTag { get; init; }
    public UnallocatedPolicy Policy { get; init; } = UnallocatedPolicy.Keep;
    /// <summary>The cost centre that gets unallocated cost under <see cref="UnallocatedPolicy.Assign"/>.</summary>
    public string? UnallocatedOwner { get; init; }
}

/// <summary>The Bedrock total of one billing period and currency that the statement's lines must add up to.</summary>
/// <param name="BillingPeriod">YYYY-MM, or several comma separated when the input rows covered them at once.</param>
/// <param name="Tokens">Tokens of all directions.</param>
public sealed record SourceTotal(string BillingPeriod, string Currency, decimal Cost, long Tokens);

/// <summary>The rows to charge back and the totals they must reconcile to.</summary>
public sealed class ChargebackInput
{
    public IReadOnlyList<PrincipalCost> Rows { get; init; } = Array.Empty<PrincipalCost>();
    /// <summary>Bedrock total per billing period and currency of the source.</summary>
    public IReadOnlyList<SourceTotal> SourceTotals { get; init; } = Array.Empty<SourceTotal>();
    public string SourceDescription { get; init; } = string.Empty;
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public string CostBasis { get; init; } = "Unblended";
    /// <summary>The source as reports name it (an export name, an S3 URI, "Cost Explorer"), never a local path.</summary>
    public string Source { get; init; } = string.Empty;
    /// <summary>Bedrock line items the source could not read (<see cref="CostResult.LineItemsLeftOut"/>): the totals are incomplete.</summary>
    public long LineItemsLeftOut { get; init; }
    /// <summary>Payer account of each usage account, when the source read them.</summary>
    public IReadOnlyDictionary<string, string> BillingAccounts { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The rows of a query, reconciled against the Bedrock total of the data selected: per billing period when
    /// each row is of one period (rows grouped by BillingPeriod, or one period read), else over the whole read.
    /// </summary>
    public static ChargebackInput FromResult(CostResult result, string source)
    {
        var basis = result.CostBasis;
        var perPeriod = result.Rows.All(r => CostQuery.IsPeriod(r.BillingPeriod));
        var totals = perPeriod
            ? result.PeriodTotals.Select(t => new SourceTotal(t.BillingPeriod!, t.Currency, t.Cost(basis), t.TotalTokens))
            : result.SelectedTotals.Select(t => new SourceTotal(string.Join(",", result.BillingPeriods), t.Currency, t.Cost(basis), t.TotalTokens));
        return new ChargebackInput
        {
            Rows = result.Rows,
            SourceTotals = totals.ToList(),
            SourceDescription = (result.SelectedTotals.Zip(result.BedrockTotals).Any(p => p.First.Cost(basis) != p.Second.Cost(basis))
                ? $"Bedrock total of the rows selected by the filters, {basis} cost"
                : $"Bedrock total of the {result.Source} data read, {basis} cost") +
                (result.IsComplete ? string.Empty : "; " + CostResult.IncompleteText(result.LineItemsLeftOut)),
            LineItemsLeftOut = result.LineItemsLeftOut,
            BillingPeriods = result.BillingPeriods,
            CostBasis = basis.ToString(),
            Source = source,
            BillingAccounts = result.BillingAccounts,
        };
    }

    /// <summary>Rows given directly (pipeline input): the source total of each period and currency is their sum.</summary>
    public static ChargebackInput FromRows(IReadOnlyList<PrincipalCost> rows, string source, IReadOnlyDictionary<string, string>? billingAccounts = null) => new()
    {
        Rows = rows,
        SourceTotals = rows.GroupBy(r => (r.BillingPeriod, r.Currency))
            .Select(g => new SourceTotal(g.Key.BillingPeriod, g.Key.Currency, g.Sum(r => r.Cost), g.Sum(r => r.TotalTokens)))
            .ToList(),
        SourceDescription = $"sum of the {rows.Count} input rows, {rows.FirstOrDefault()?.CostBasis ?? "Unblended"} cost",
        BillingPeriods = PeriodsOf(rows.Select(r => r.BillingPeriod)),
        CostBasis = rows.FirstOrDefault()?.CostBasis ?? "Unblended",
        Source = source,
        BillingAccounts = billingAccounts ?? new Dictionary<string, string>(),
    };

    /// <summary>The distinct billing periods named by period texts ("2026-05" or "2026-05,2026-06"), in order.</summary>
    internal static string[] PeriodsOf(IEnumerable<string> periodTexts) =>
        periodTexts.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}

/// <summary>
/// Builds a chargeback statement, one billing period at a time (each period reconciles on its own). A row's
/// cost centre comes from the mapping (first matching rule), else the cost-centre tag, else it has none. Cost
/// with no cost centre follows the policy; each allocated share is its own line and carries its share of the
/// cost in both bases and of the tokens. Money stays decimal: shares are rounded to
/// <see cref="ChargebackStatement.AllocationDecimals"/> decimal places (whole tokens) and the rounding residue of
/// each split goes to the largest share (ties: the cost centre first in ordinal order), so every split, and the
/// statement, adds up exactly, in cost and in tokens.
/// </summary>
public static class ChargebackAllocator
{
    public const string UntaggedReason = "untagged principal";
    public const string NoCostCenterReason = "no cost centre";

    public static ChargebackStatement Allocate(ChargebackInput input, ChargebackOptions options, IOperationContext? ctx = null)
    {
        ctx ??= NullOperationContext.Instance;
        if (options.Policy == UnallocatedPolicy.Assign && string.IsNullOrWhiteSpace(options.UnallocatedOwner))
            throw new BedrockCostException(ErrorIds.UnallocatedOwnerRequired, ErrorKind.InvalidArgument,
                "The unallocated policy Assign needs the cost centre to assign to: give -UnallocatedOwner.", options.Policy);

        var mapping = options.Mapping;
        // A budget is monthly: a period text naming n periods, or the whole statement, gets n months of it.
        decimal? BudgetOf(string costCenter, int months) => mapping.MonthlyBudgetOf(costCenter) * Math.Max(1, months);
        int Months(string periodText) => ChargebackInput.PeriodsOf(new[] { periodText }).Length;

        var lines = new List<ChargebackLine>();
        var periodKeys = input.Rows.Select(r => r.BillingPeriod).Concat(input.SourceTotals.Select(t => t.BillingPeriod))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var period in periodKeys)
            AllocatePeriod(input.Rows.Where(r => r.BillingPeriod == period), period, cc => BudgetOf(cc, Months(period)), input.CostBasis, options, lines, ctx);

        var sorted = lines
            .OrderBy(l => l.BillingPeriod, StringComparer.Ordinal)
            .ThenBy(l => l.Currency, StringComparer.Ordinal)
            .ThenBy(l => l.CostCenter == ChargebackLine.UnallocatedCostCenter)
            .ThenBy(l => l.CostCenter, StringComparer.Ordinal)
            .ThenBy(l => l.LineType)
            .ThenByDescending(l => l.Cost)
            .ThenBy(l => l.Principal, StringComparer.Ordinal)
            .ThenBy(l => l.Model, StringComparer.Ordinal)
            .ThenBy(l => l.Account, StringComparer.Ordinal)
            .ThenBy(l => l.AllocatedFrom, StringComparer.Ordinal)
            .ToList();

        var statementMonths = input.BillingPeriods.Count;
        return new ChargebackStatement
        {
            Lines = sorted,
            CostCenters = Totals(sorted, _ => string.Join(",", input.BillingPeriods), mapping, (cc, _) => BudgetOf(cc, statementMonths)),
            CostCentersByPeriod = Totals(sorted, l => l.BillingPeriod, mapping, (cc, period) => BudgetOf(cc, Months(period))),
            Reconciliation = Reconcile(input, sorted),
            BillingPeriods = input.BillingPeriods,
            CostBasis = input.CostBasis,
            Policy = options.Policy,
            UnallocatedOwner = options.Policy == UnallocatedPolicy.Assign ? options.UnallocatedOwner : null,
            CostCenterTag = options.CostCenterTag,
            MappingFile = mapping.Source,
            Source = input.Source,
            BillingAccounts = input.BillingAccounts,
            Daily = Daily(input.Rows),
            ByModelAndTokenType = input.Rows
                .GroupBy(r => (Model: r.Model ?? Aggregator.None, TokenType: r.TokenType ?? "(all)", r.Currency))
                .Select(g => new CostBreakdown { Key = g.Key.Model, Detail = g.Key.TokenType, Currency = g.Key.Currency, Cost = g.Sum(r => r.Cost), Tokens = g.Sum(r => r.TotalTokens) })
                .OrderBy(b => b.Currency, StringComparer.Ordinal).ThenByDescending(b => b.Cost).ThenBy(b => b.Key, StringComparer.Ordinal).ThenBy(b => b.Detail, StringComparer.Ordinal)
                .ToList(),
            // Allocation lines carry their source's principal and tokens, so every principal's cost and tokens are here whatever the policy.
            ByPrincipal = sorted
                .GroupBy(l => (Principal: l.Principal ?? l.Person ?? l.Role ?? Aggregator.None, l.Currency))
                .Select(g => new CostBreakdown
                {
                    Key = g.Key.Principal,
                    Detail = g.All(l => l.LineType == ChargebackLineType.Allocation)
                        ? $"{ChargebackLine.UnallocatedCostCenter}, {options.Policy}"
                        : string.Join(", ", g.Where(l => l.LineType != ChargebackLineType.Allocation).Select(l => l.CostCenter).Distinct().Order(StringComparer.Ordinal)),
                    Currency = g.Key.Currency,
                    Cost = g.Sum(l => l.Cost),
                    Tokens = g.Sum(l => l.TotalTokens),
                })
                .OrderBy(b => b.Currency, StringComparer.Ordinal).ThenByDescending(b => b.Cost).ThenBy(b => b.Key, StringComparer.Ordinal)
                .ToList(),
        };
    }

    /// <summary>The lines of one billing period: direct lines, then each unallocated line kept or split by the policy.</summary>
    private static void AllocatePeriod(IEnumerable<PrincipalCost> rows, string period, Func<string, decimal?> budgetOf, string basis,
        ChargebackOptions options, List<ChargebackLine> lines, IOperationContext ctx)
    {
        var mapping = options.Mapping;
        var direct = new Dictionary<LineKey, Sum>();
        var pool = new Dictionary<LineKey, Sum>();
        foreach (var row in rows)
        {
            var (cc, by) = mapping.CostCenterOf(row, options.CostCenterTag);
            var reason = cc is not null ? string.Empty
                : !row.IsAttributed ? row.UnattributedReason
                : options.CostCenterTag is not null ? UntaggedReason : NoCostCenterReason;
            var key = new LineKey(row.Currency, cc, by, row.Principal, row.PrincipalType, row.Person, row.Role, row.Account, row.Model, reason);
            var target = cc is null ? pool : direct;
            if (!target.TryGetValue(key, out var sum)) target[key] = sum = new Sum();
            sum.Add(row);
        }

        foreach (var (k, s) in direct)
            lines.Add(Line(k, s, k.CostCenter!, ChargebackLineType.Direct, options.Policy, period, basis, mapping.OwnerOf(k.CostCenter!), budgetOf(k.CostCenter!)));

        foreach (var currencyPool in pool.GroupBy(p => p.Key.Currency, StringComparer.Ordinal))
        {
            var currency = currencyPool.Key;
            var weights = Weights(options, period, currency, direct, ctx);
            foreach (var (k, s) in currencyPool.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
            {
                // Nothing to charge: a zero line only stays when it carries tokens worth showing.
                if (weights is not null && s.Cost == 0m && s.Tokens == 0) continue;
                if (weights is null || s.Cost == 0m)
                {
                    lines.Add(Line(k, s, ChargebackLine.UnallocatedCostCenter, ChargebackLineType.Unallocated, options.Policy, period, basis, null, null));
                    continue;
                }
                var from = Describe(k);
                var split = new Apportionment(weights);
                var cost = split.Of(s.Cost, ChargebackStatement.AllocationDecimals);
                var unblended = split.Of(s.Unblended, ChargebackStatement.AllocationDecimals);
                var net = split.Of(s.Net, ChargebackStatement.AllocationDecimals);
                var input = split.Of(s.Input, 0);
                var output = split.Of(s.Output, 0);
                var cacheRead = split.Of(s.CacheRead, 0);
                var cacheWrite = split.Of(s.CacheWrite, 0);
                for (var i = 0; i < split.CostCenters.Count; i++)
                {
                    var cc = split.CostCenters[i];
                    lines.Add(new ChargebackLine(s.Dimensions!)
                    {
                        CostCenter = cc,
                        Owner = mapping.OwnerOf(cc),
                        LineType = ChargebackLineType.Allocation,
                        Currency = currency,
                        Cost = cost[i],
                        UnblendedCost = unblended[i],
                        NetUnblendedCost = net[i],
                        CostBasis = basis,
                        InputTokens = (long)input[i], OutputTokens = (long)output[i], CacheReadTokens = (long)cacheRead[i], CacheWriteTokens = (long)cacheWrite[i],
                        AssignedBy = "Policy",
                        Reason = k.Reason,
                        AllocatedFrom = from,
                        AllocationShare = Math.Round(split.Fractions[i], ChargebackStatement.AllocationDecimals),
                        Policy = options.Policy,
                        BillingPeriod = period,
                        Budget = budgetOf(cc),
                        Tags = s.Tags,
                    });
                }
            }
        }
    }

    /// <summary>The cost centres and weights the unallocated cost of one period and currency is split over; null to keep it.</summary>
    private static IReadOnlyList<(string CostCenter, decimal Weight)>? Weights(ChargebackOptions options, string period, string currency,
        Dictionary<LineKey, Sum> direct, IOperationContext ctx)
    {
        var byCostCenter = direct.Where(d => d.Key.Currency == currency)
            .GroupBy(d => d.Key.CostCenter!, StringComparer.Ordinal)
            .Select(g => (CostCenter: g.Key, Cost: g.Sum(d => d.Value.Cost)))
            .OrderBy(x => x.CostCenter, StringComparer.Ordinal).ToList();
        switch (options.Policy)
        {
            case UnallocatedPolicy.Assign:
                return new[] { (options.UnallocatedOwner!.Trim(), 1m) };
            case UnallocatedPolicy.Even when byCostCenter.Count > 0:
                return byCostCenter.Select(x => (x.CostCenter, 1m)).ToList();
            case UnallocatedPolicy.Proportional when byCostCenter.Any(x => x.Cost > 0):
                // Cost centres with a net credit have no positive usage to weigh by.
                return byCostCenter.Where(x => x.Cost > 0).Select(x => (x.CostCenter, x.Cost)).ToList();
            case UnallocatedPolicy.Keep:
                return null;
            default:
                ctx.Warning($"No {currency} cost of {period} has a cost centre, so the {options.Policy} policy has nothing to split the unallocated {currency} cost over; it stays on '{ChargebackLine.UnallocatedCostCenter}' lines.");
                return null;
        }
    }

    /// <summary>
    /// Splits an amount by weights: shares rounded to <see cref="ChargebackStatement.AllocationDecimals"/> places,
    /// the residue added to the largest share (ties: first cost centre in ordinal order). The shares add up to
    /// <paramref name="amount"/> exactly.
    /// </summary>
    public static IReadOnlyList<(string CostCenter, decimal Amount, decimal Share)> Split(decimal amount, IReadOnlyList<(string CostCenter, decimal Weight)> weights)
    {
        var split = new Apportionment(weights);
        var amounts = split.Of(amount, ChargebackStatement.AllocationDecimals);
        return split.CostCenters.Select((cc, i) => (cc, amounts[i], split.Fractions[i])).ToList();
    }

    /// <summary>
    /// One split of an unallocated line over weighted cost centres, applied alike to each of its figures (cost in
    /// both bases, tokens of each direction): every figure's shares add up to the figure exactly, the rounding
    /// residue going to the same share each time, the largest weight's (ties: first cost centre in ordinal order).
    /// </summary>
    private sealed class Apportionment
    {
        public Apportionment(IReadOnlyList<(string CostCenter, decimal Weight)> weights)
        {
            var total = weights.Sum(w => w.Weight);
            if (weights.Count == 0 || total <= 0) throw new ArgumentException("Weights must be positive.", nameof(weights));
            var ordered = weights.OrderBy(w => w.CostCenter, StringComparer.Ordinal).ToList();
            CostCenters = ordered.Select(w => w.CostCenter).ToList();
            Fractions = ordered.Select(w => w.Weight / total).ToList();
            for (var i = 1; i < ordered.Count; i++)
                if (ordered[i].Weight > ordered[_largest].Weight) _largest = i;
        }

        private readonly int _largest;
        public IReadOnlyList<string> CostCenters { get; }
        public IReadOnlyList<decimal> Fractions { get; }

        public decimal[] Of(decimal amount, int decimals)
        {
            var shares = Fractions.Select(f => Math.Round(amount * f, decimals, MidpointRounding.ToEven)).ToArray();
            shares[_largest] += amount - shares.Sum();
            return shares;
        }
    }

    private static string Describe(LineKey k)
    {
        var who = Classification.PrincipalParser.ShortName(k.Principal) ?? k.Person ?? k.Role ?? Aggregator.None;
        // An ARN's short name has its account; unattributed cost of two accounts are two origin charges, named apart.
        if (k.Account is { } account && !who.EndsWith($"({account})", StringComparison.Ordinal)) who += $" ({account})";
        return $"{ChargebackLine.UnallocatedCostCenter} {who} | {k.Model ?? Aggregator.None} | {k.Reason}";
    }

    private static ChargebackLine Line(LineKey k, Sum s, string costCenter, ChargebackLineType type, UnallocatedPolicy policy,
        string period, string basis, string? owner, decimal? budget) => new(s.Dimensions!)
    {
        CostCenter = costCenter,
        Owner = owner,
        LineType = type,
        Currency = k.Currency,
        Cost = s.Cost,
        UnblendedCost = s.Unblended,
        NetUnblendedCost = s.Net,
        CostBasis = basis,
        InputTokens = s.Input, OutputTokens = s.Output, CacheReadTokens = s.CacheRead, CacheWriteTokens = s.CacheWrite,
        AssignedBy = k.AssignedBy,
        Reason = k.Reason,
        Policy = policy,
        BillingPeriod = period,
        Budget = budget,
        Tags = s.Tags,
    };

    /// <summary>Cost-centre totals by <paramref name="periodOf"/> (a line's period, or the whole statement's).</summary>
    private static IReadOnlyList<CostCenterTotal> Totals(IReadOnlyList<ChargebackLine> lines, Func<ChargebackLine, string> periodOf, CostCenterMapping mapping,
        Func<string, string, decimal?> budgetOf) =>
        lines.GroupBy(l => (Period: periodOf(l), l.CostCenter, l.Currency))
            .Select(g => new CostCenterTotal
            {
                BillingPeriod = g.Key.Period,
                CostCenter = g.Key.CostCenter,
                Currency = g.Key.Currency,
                Owner = g.Key.CostCenter == ChargebackLine.UnallocatedCostCenter ? null : mapping.OwnerOf(g.Key.CostCenter),
                DirectCost = g.Where(l => l.LineType == ChargebackLineType.Direct).Sum(l => l.Cost),
                AllocatedCost = g.Where(l => l.LineType == ChargebackLineType.Allocation).Sum(l => l.Cost),
                UnallocatedCost = g.Where(l => l.LineType == ChargebackLineType.Unallocated).Sum(l => l.Cost),
                UnblendedCost = g.Sum(l => l.UnblendedCost),
                NetUnblendedCost = g.Sum(l => l.NetUnblendedCost),
                TotalTokens = g.Sum(l => l.TotalTokens),
                Budget = g.Key.CostCenter == ChargebackLine.UnallocatedCostCenter ? null : budgetOf(g.Key.CostCenter, g.Key.Period),
            })
            .OrderBy(t => t.BillingPeriod, StringComparer.Ordinal)
            .ThenBy(t => t.Currency, StringComparer.Ordinal)
            .ThenBy(t => t.CostCenter == ChargebackLine.UnallocatedCostCenter)
            .ThenByDescending(t => t.Total).ThenBy(t => t.CostCenter, StringComparer.Ordinal)
            .ToList();

    /// <summary>Per billing period and currency: the source's total against the sum of the lines, in cost and in tokens.</summary>
    private static IReadOnlyList<ChargebackReconciliation> Reconcile(ChargebackInput input, IReadOnlyList<ChargebackLine> lines) =>
        input.SourceTotals.Select(t => (t.BillingPeriod, t.Currency))
            .Union(lines.Select(l => (l.BillingPeriod, l.Currency)))
            .OrderBy(k => k.BillingPeriod, StringComparer.Ordinal).ThenBy(k => k.Currency, StringComparer.Ordinal)
            .Select(k =>
            {
                var source = input.SourceTotals.Where(t => t.BillingPeriod == k.BillingPeriod && t.Currency == k.Currency).ToList();
                var of = lines.Where(l => l.BillingPeriod == k.BillingPeriod && l.Currency == k.Currency).ToList();
                return new ChargebackReconciliation
                {
                    BillingPeriod = k.BillingPeriod,
                    Currency = k.Currency,
                    SourceTotal = source.Sum(t => t.Cost),
                    AllocatedTotal = of.Sum(l => l.Cost),
                    SourceTokens = source.Sum(t => t.Tokens),
                    AllocatedTokens = of.Sum(l => l.TotalTokens),
                    SourceDescription = input.SourceDescription,
                    LineItemsLeftOut = input.LineItemsLeftOut,
                };
            })
            .ToList();

    private static IReadOnlyList<CostBreakdown> Daily(IReadOnlyList<PrincipalCost> rows) =>
        rows.Where(r => r.Day is not null)
            .GroupBy(r => (Day: r.Day!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Attributed: r.IsAttributed, r.Currency))
            .Select(g => new CostBreakdown
            {
                Key = g.Key.Day,
                Detail = g.Key.Attributed ? "attributed" : "unattributed",
                Currency = g.Key.Currency,
                Cost = g.Sum(r => r.Cost),
                Tokens = g.Sum(r => r.TotalTokens),
            })
            .OrderBy(b => b.Currency, StringComparer.Ordinal).ThenBy(b => b.Key, StringComparer.Ordinal).ThenBy(b => b.Detail, StringComparer.Ordinal)
            .ToList();

    private sealed record LineKey(string Currency, string? CostCenter, string AssignedBy, string? Principal, string? PrincipalType,
        string? Person, string? Role, string? Account, string? Model, string Reason);

    /// <summary>The rows of one line key: their principal and model (the same for all), tags they share, and their sums.</summary>
    private sealed class Sum
    {
        public CostDimensions? Dimensions;
        public decimal Cost, Unblended, Net;
        public long Input, Output, CacheRead, CacheWrite;
        public long Tokens => Input + Output + CacheRead + CacheWrite;
        private Dictionary<string, string>? _tags;
        public IReadOnlyDictionary<string, string> Tags => _tags ?? (IReadOnlyDictionary<string, string>)TagValues.Empty;

        public void Add(PrincipalCost r)
        {
            if (Dimensions is null)
            {
                Dimensions = r;
                _tags = r.Tags.Where(t => t.Value != Aggregator.Untagged).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            }
            else if (_tags is { Count: > 0 })
                foreach (var (key, value) in _tags.ToList())
                    if (!r.Tags.TryGetValue(key, out var v) || v != value) _tags.Remove(key);
            Cost += r.Cost; Unblended += r.UnblendedCost; Net += r.NetUnblendedCost;
            Input += r.InputTokens; Output += r.OutputTokens; CacheRead += r.CacheReadTokens; CacheWrite += r.CacheWriteTokens;
        }
    }
}
