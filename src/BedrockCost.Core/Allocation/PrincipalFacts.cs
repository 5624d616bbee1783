using System.Globalization;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;

namespace BedrockCost.Core.Allocation;

/// <summary>
/// What rows grouped by principal do not carry, read again from their source only when a chargeback needs it:
/// each principal's value of the cost-centre tag (the latest in the billing period) and the payer accounts.
/// Reading the tags map is what makes a query slower, so Get-BedrockCostByPrincipal never reads it for rows
/// nobody allocates; the rows keep this reference instead (it holds how to reopen the source and the query).
/// </summary>
public sealed class PrincipalFacts
{
    private readonly Func<CancellationToken, Task<ICostSource>> _openSource;
    private readonly CostQuery _query;

    /// <param name="openSource">Opens the rows' source again (the caller's own is disposed by then).</param>
    /// <param name="query">The query that made the rows: its periods, dates and filters are read again.</param>
    /// <param name="sourceName">The source as reports name it.</param>
    public PrincipalFacts(Func<CancellationToken, Task<ICostSource>> openSource, CostQuery query, string sourceName)
    {
        _openSource = openSource;
        _query = query;
        SourceName = sourceName;
    }

    public string SourceName { get; }

    /// <summary>Makes <paramref name="rows"/> (rows of one query, grouped by principal) able to read their facts later.</summary>
    public void Attach(IEnumerable<PrincipalCost> rows)
    {
        foreach (var row in rows) row.Facts = this;
    }

    /// <summary>The facts read: each principal's tag value per billing period, and the payer accounts.</summary>
    internal sealed record Values(IReadOnlyDictionary<(string Principal, string Period), string> Latest, IReadOnlyDictionary<string, string> BillingAccounts);

    /// <summary>
    /// Reads the principals' values of <paramref name="tagKey"/> (the value of each principal's latest day in
    /// each billing period) and, when asked, the payer accounts; warns about each principal whose value changed
    /// within a period, naming the values and days, and how to split the cost by value instead.
    /// </summary>
    internal async Task<Values> ReadAsync(string? tagKey, bool billingAccounts, IOperationContext ctx, CancellationToken ct)
    {
        var groupBy = new List<GroupDimension> { new(Dimension.Principal), new(Dimension.BillingPeriod), new(Dimension.Day) };
        if (tagKey is not null) groupBy.Add(new GroupDimension(Dimension.Tag, tagKey));
        var query = _query with { GroupBy = groupBy, IncludeBillingAccounts = billingAccounts };
        using var source = await _openSource(ct).ConfigureAwait(false);
        ctx.Verbose($"Reading {(tagKey is null ? "the payer accounts" : $"each principal's {tagKey} value")} from {SourceName}: the rows piped in are grouped by principal without it.");
        var result = await source.QueryAsync(query, NullOperationContext.Instance, ct).ConfigureAwait(false);
        var latest = new Dictionary<(string, string), string>();
        if (tagKey is not null)
        {
            var changes = new List<string>();
            foreach (var g in result.Rows.Where(r => r.IsAttributed && r.Day is not null).GroupBy(r => (r.Principal!, r.BillingPeriod)))
            {
                var days = g.GroupBy(r => r.Day!.Value).OrderBy(d => d.Key).Select(d => (Day: d.Key, Values: d.Select(r => r.Tags.GetValueOrDefault(tagKey) ?? Aggregator.Untagged).ToList())).ToList();
                // On a day with several values, a value beats "(untagged)", then the ordinal last (a stable choice).
                string ValueOf(List<string> values) => values.Where(v => v != Aggregator.Untagged).DefaultIfEmpty(Aggregator.Untagged).Max(StringComparer.Ordinal)!;
                latest[g.Key] = ValueOf(days[^1].Values);
                var distinct = days.SelectMany(d => d.Values).Distinct(StringComparer.Ordinal).Count();
                if (distinct > 1) changes.Add(Describe(g.Key.Item1, g.Key.BillingPeriod, days.Select(d => (d.Day, ValueOf(d.Values))).ToList(), latest[g.Key]));
            }
            foreach (var change in changes.Take(10))
                ctx.Warning($"{change} The whole period is charged to the latest value. To split the cost by value, group the rows by the tag: Get-BedrockCostByPrincipal -GroupBy Principal, {tagKey}.");
            if (changes.Count > 10) ctx.Warning($"{changes.Count - 10} more principal(s) changed their {tagKey} value within a billing period.");
        }
        return new Values(latest, result.BillingAccounts);

        string Describe(string principal, string period, List<(DateTime Day, string Value)> days, string last)
        {
            var spans = new List<string>();
            for (var i = 0; i < days.Count;)
            {
                var j = i;
                while (j + 1 < days.Count && days[j + 1].Value == days[i].Value) j++;
                spans.Add($"'{days[i].Value}' {Day(days[i].Day)}{(j > i ? $" to {Day(days[j].Day)}" : string.Empty)}");
                i = j + 1;
            }
            return $"The {tagKey} value of {Classification.PrincipalParser.ShortName(principal)} changed in {period}: {string.Join(", ", spans)}; latest '{last}'.";
        }
        static string Day(DateTime d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Rows piped into a chargeback, completed: each principal's value of <paramref name="tagKey"/> added to rows
    /// that lack the key (read from their source when they can tell it), and the payer accounts when asked. Rows
    /// that already carry the key are kept as they are.
    /// </summary>
    public static async Task<PipedRows> CompleteAsync(IReadOnlyList<PrincipalCost> rows, string? tagKey, bool billingAccounts,
        IOperationContext ctx, CancellationToken ct)
    {
        var payers = new Dictionary<string, string>(StringComparer.Ordinal);
        var completed = 0;
        var byFacts = new Dictionary<PrincipalFacts, Values>();
        foreach (var facts in rows.Select(r => r.Facts).OfType<PrincipalFacts>().Distinct())
        {
            var needsTag = tagKey is not null && rows.Any(r => r.Facts == facts && !r.Tags.ContainsKey(tagKey));
            if (!needsTag && !billingAccounts) continue;
            var values = await facts.ReadAsync(needsTag ? tagKey : null, billingAccounts, ctx, ct).ConfigureAwait(false);
            byFacts[facts] = values;
            foreach (var (account, payer) in values.BillingAccounts) payers.TryAdd(account, payer);
        }
        var result = new List<PrincipalCost>(rows.Count);
        foreach (var row in rows)
        {
            if (tagKey is null || row.Tags.ContainsKey(tagKey) || row.Facts is not { } f || !byFacts.TryGetValue(f, out var values) || row.Principal is null || !row.IsAttributed)
            {
                result.Add(row);
                continue;
            }
            // A row over several periods takes the value of the latest period that has one.
            var value = Enumerable.Reverse(ChargebackInput.PeriodsOf(new[] { row.BillingPeriod }))
                .Select(p => values.Latest.TryGetValue((row.Principal, p), out var v) ? v : null).FirstOrDefault(v => v is not null) ?? Aggregator.Untagged;
            result.Add(row.WithTag(tagKey, value));
            completed++;
        }
        var names = rows.Select(r => r.Facts?.SourceName).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return new PipedRows(result, payers, completed, names.Count == 0 ? "pipeline input" : string.Join("; ", names));
    }
}

/// <summary>Piped rows after <see cref="PrincipalFacts.CompleteAsync"/>: how many took a tag value, and their sources' report names.</summary>
public sealed record PipedRows(IReadOnlyList<PrincipalCost> Rows, IReadOnlyDictionary<string, string> BillingAccounts, int Completed, string SourceName);
