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

/// <summary>The rows to charge back and the totals they must reconcile to.</summary>
public sealed class ChargebackInput
{
    public IReadOnlyList<PrincipalCost> Rows { get; init; } = Array.Empty<PrincipalCost>();
    /// <summary>Bedrock total per currency of the source.</summary>
    public IReadOnlyDictionary<string, decimal> SourceTotals { get; init; } = new Dictionary<string, decimal>();
    public string SourceDescription { get; init; } = string.Empty;
    public IReadOnlyList<string> BillingPeriods { get; init; } = Array.Empty<string>();
    public string CostBasis { get; init; } = "Unblended";
    public string Source { get; init; } = string.Empty;
    /// <summary>Bedrock line items the source could not read (<see cref="CostResult.LineItemsLeftOut"/>): the totals are incomplete.</summary>
    public long LineItemsLeftOut { get; init; }

    /// <summary>The rows of a query, reconciled against the Bedrock total of the data selected.</summary>
    public static ChargebackInput FromResult(CostResult result, string source) => new()
    {
        Rows = result.Rows,
        SourceTotals = result.SelectedTotals.ToDictionary(t => t.Currency, t => t.Cost(result.CostBasis), StringComparer.Ordinal),
        SourceDescription = (result.SelectedTotals.Zip(result.BedrockTotals).Any(p => p.First.Cost(result.CostBasis) != p.Second.Cost(result.CostBasis))
            ? $"Bedrock total of the rows selected by the filters, {result.CostBasis} cost"
            : $"Bedrock total of the {result.Source} data read, {result.CostBasis} cost") +
            (result.IsComplete ? string.Empty : "; " + CostResult.IncompleteText(result.LineItemsLeftOut)),
        LineItemsLeftOut = result.LineItemsLeftOut,
        BillingPeriods = result.BillingPeriods,
        CostBasis = result.CostBasis.ToString(),
        Source = source,
    };

    /// <summary>Rows given directly (pipeline input): the source total is their sum.</summary>
    public static ChargebackInput FromRows(IReadOnlyList<PrincipalCost> rows, string source) => new()
    {
        Rows = rows,
        SourceTotals = rows.GroupBy(r => r.Currency, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.Cost), StringComparer.Ordinal),
        SourceDescription = $"sum of the {rows.Count} input rows, {rows.FirstOrDefault()?.CostBasis ?? "Unblended"} cost",
        BillingPeriods = rows.SelectMany(r => r.BillingPeriod.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
        CostBasis = rows.FirstOrDefault()?.CostBasis ?? "Unblended",
        Source = source,
    };
}

/// <summary>
/// Builds a chargeback statement. A row's cost centre comes from the mapping (first matching rule), else the
/// cost-centre tag, else it has none. Cost with no cost centre follows the policy; each allocated share is
/// its own line. Money stays decimal: shares are rounded to <see cref="ChargebackStatement.AllocationDecimals"/>
/// decimal places (the precision of CUR costs) and the rounding residue of each split goes to the largest
/// share (ties: the cost centre first in ordinal order), so every split, and the statement, adds up exactly.
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

        var periods = input.BillingPeriods;
        var periodText = string.Join(",", periods);
        var months = Math.Max(1, periods.Count);
        var mapping = options.Mapping;
        decimal? BudgetOf(string cc) => mapping.MonthlyBudgetOf(cc) * months;

        var direct = new Dictionary<LineKey, Sum>();
        var pool = new Dictionary<LineKey, Sum>();
        foreach (var row in input.Rows)
        {
            var (cc, by) = CostCenterOf(row, options);
            var reason = cc is not null ? string.Empty
                : !row.IsAttributed ? row.UnattributedReason
                : options.CostCenterTag is not null ? UntaggedReason : NoCostCenterReason;
            var key = new LineKey(row.Currency, cc, by, row.Principal, row.PrincipalType, row.Person, row.Role, row.Account, row.Model, reason);
            var target = cc is null ? pool : direct;
            if (!target.TryGetValue(key, out var sum)) target[key] = sum = new Sum();
            sum.Add(row);
        }

        var lines = new List<ChargebackLine>();
        foreach (var (k, s) in direct)
            lines.Add(Line(k, s, k.CostCenter!, ChargebackLineType.Direct, options.Policy, periodText, input.CostBasis, mapping.OwnerOf(k.CostCenter!), BudgetOf(k.CostCenter!)));

        foreach (var currencyPool in pool.GroupBy(p => p.Key.Currency, StringComparer.Ordinal))
        {
            var currency = currencyPool.Key;
            var weights = Weights(options, currency, direct, ctx);
            foreach (var (k, s) in currencyPool.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
            {
                // Nothing to charge: a zero line only stays when it carries tokens worth showing.
                if (weights is not null && s.Cost == 0m && s.Tokens == 0) continue;
                if (weights is null || s.Cost == 0m)
                {
                    lines.Add(Line(k, s, ChargebackLine.UnallocatedCostCenter, ChargebackLineType.Unallocated, options.Policy, periodText, input.CostBasis, null, null));
                    continue;
                }
                var from = Describe(k);
                foreach (var (cc, amount, share) in Split(s.Cost, weights))
                    lines.Add(new ChargebackLine(s.Dimensions!)
                    {
                        CostCenter = cc,
                        Owner = mapping.OwnerOf(cc),
                        LineType = ChargebackLineType.Allocation,
                        Currency = currency,
                        Cost = amount,
                        CostBasis = input.CostBasis,
                        AssignedBy = "Policy",
                        Reason = k.Reason,
                        AllocatedFrom = from,
                        AllocationShare = Math.Round(share, ChargebackStatement.AllocationDecimals),
                        Policy = options.Policy,
                        BillingPeriod = periodText,
                        Budget = BudgetOf(cc),
                    });
            }
        }

        var sorted = lines
            .OrderBy(l => l.Currency, StringComparer.Ordinal)
            .ThenBy(l => l.CostCenter == ChargebackLine.UnallocatedCostCenter)
            .ThenBy(l => l.CostCenter, StringComparer.Ordinal)
            .ThenBy(l => l.LineType)
            .ThenByDescending(l => l.Cost)
            .ThenBy(l => l.Principal, StringComparer.Ordinal)
            .ThenBy(l => l.Model, StringComparer.Ordinal)
            .ThenBy(l => l.AllocatedFrom, StringComparer.Ordinal)
            .ToList();

        return new ChargebackStatement
        {
            Lines = sorted,
            CostCenters = Totals(sorted, mapping, BudgetOf),
            Reconciliation = Reconcile(input, sorted),
            BillingPeriods = periods,
            CostBasis = input.CostBasis,
            Policy = options.Policy,
            UnallocatedOwner = options.Policy == UnallocatedPolicy.Assign ? options.UnallocatedOwner : null,
            CostCenterTag = options.CostCenterTag,
            MappingFile = mapping.Source,
            Source = input.Source,
            Daily = Daily(input.Rows),
            ByModelAndTokenType = input.Rows
                .GroupBy(r => (Model: r.Model ?? Aggregator.None, TokenType: r.TokenType ?? "(all)", r.Currency))
                .Select(g => new CostBreakdown { Key = g.Key.Model, Detail = g.Key.TokenType, Currency = g.Key.Currency, Cost = g.Sum(r => r.Cost), Tokens = g.Sum(r => r.TotalTokens) })
                .OrderBy(b => b.Currency, StringComparer.Ordinal).ThenByDescending(b => b.Cost).ThenBy(b => b.Key, StringComparer.Ordinal).ThenBy(b => b.Detail, StringComparer.Ordinal)
                .ToList(),
            // Allocation lines carry their source's principal, so every principal's cost is here whatever the policy.
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

    private static (string? CostCenter, string AssignedBy) CostCenterOf(PrincipalCost row, ChargebackOptions options) =>
        options.Mapping.CostCenterOf(row, options.CostCenterTag);

    /// <summary>The cost centres and weights the unallocated cost of one currency is split over; null to keep it.</summary>
    private static IReadOnlyList<(string CostCenter, decimal Weight)>? Weights(ChargebackOptions options, string currency,
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
                ctx.Warning($"No {currency} cost has a cost centre, so the {options.Policy} policy has nothing to split the unallocated {currency} cost over; it stays on '{ChargebackLine.UnallocatedCostCenter}' lines.");
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
        var total = weights.Sum(w => w.Weight);
        if (weights.Count == 0 || total <= 0) throw new ArgumentException("Weights must be positive.", nameof(weights));
        var shares = weights.OrderBy(w => w.CostCenter, StringComparer.Ordinal)
            .Select(w => (w.CostCenter, Amount: Math.Round(amount * w.Weight / total, ChargebackStatement.AllocationDecimals, MidpointRounding.ToEven), Share: w.Weight / total))
            .ToArray();
        var residue = amount - shares.Sum(s => s.Amount);
        if (residue != 0m)
        {
            var largest = 0;
            for (var i = 1; i < shares.Length; i++)
                if (Math.Abs(shares[i].Amount) > Math.Abs(shares[largest].Amount)) largest = i;
            shares[largest].Amount += residue;
        }
        return shares;
    }

    private static string Describe(LineKey k)
    {
        var who = Classification.PrincipalParser.ShortName(k.Principal) ?? k.Person ?? k.Role ?? Aggregator.None;
        return $"{ChargebackLine.UnallocatedCostCenter} {who} | {k.Model ?? Aggregator.None} | {k.Reason}";
    }

    private static ChargebackLine Line(LineKey k, Sum s, string costCenter, ChargebackLineType type, UnallocatedPolicy policy,
        string periods, string basis, string? owner, decimal? budget) => new(s.Dimensions!)
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
        BillingPeriod = periods,
        Budget = budget,
    };

    private static IReadOnlyList<CostCenterTotal> Totals(IReadOnlyList<ChargebackLine> lines, CostCenterMapping mapping, Func<string, decimal?> budgetOf) =>
        lines.GroupBy(l => (l.CostCenter, l.Currency))
            .Select(g => new CostCenterTotal
            {
                CostCenter = g.Key.CostCenter,
                Currency = g.Key.Currency,
                Owner = g.Key.CostCenter == ChargebackLine.UnallocatedCostCenter ? null : mapping.OwnerOf(g.Key.CostCenter),
                DirectCost = g.Where(l => l.LineType == ChargebackLineType.Direct).Sum(l => l.Cost),
                AllocatedCost = g.Where(l => l.LineType == ChargebackLineType.Allocation).Sum(l => l.Cost),
                UnallocatedCost = g.Where(l => l.LineType == ChargebackLineType.Unallocated).Sum(l => l.Cost),
                TotalTokens = g.Sum(l => l.TotalTokens),
                Budget = g.Key.CostCenter == ChargebackLine.UnallocatedCostCenter ? null : budgetOf(g.Key.CostCenter),
            })
            .OrderBy(t => t.Currency, StringComparer.Ordinal)
            .ThenBy(t => t.CostCenter == ChargebackLine.UnallocatedCostCenter)
            .ThenByDescending(t => t.Total).ThenBy(t => t.CostCenter, StringComparer.Ordinal)
            .ToList();

    private static IReadOnlyList<ChargebackReconciliation> Reconcile(ChargebackInput input, IReadOnlyList<ChargebackLine> lines) =>
        input.SourceTotals.Keys.Union(lines.Select(l => l.Currency), StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(c => new ChargebackReconciliation
            {
                Currency = c,
                SourceTotal = input.SourceTotals.TryGetValue(c, out var t) ? t : 0m,
                AllocatedTotal = lines.Where(l => l.Currency == c).Sum(l => l.Cost),
                SourceDescription = input.SourceDescription,
                LineItemsLeftOut = input.LineItemsLeftOut,
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

    /// <summary>The rows of one line key: their principal and model (the same for all), and their sums.</summary>
    private sealed class Sum
    {
        public CostDimensions? Dimensions;
        public decimal Cost, Unblended, Net;
        public long Input, Output, CacheRead, CacheWrite;
        public long Tokens => Input + Output + CacheRead + CacheWrite;

        public void Add(PrincipalCost r)
        {
            Dimensions ??= r;
            Cost += r.Cost; Unblended += r.UnblendedCost; Net += r.NetUnblendedCost;
            Input += r.InputTokens; Output += r.OutputTokens; CacheRead += r.CacheReadTokens; CacheWrite += r.CacheWriteTokens;
        }
    }
}
