using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Sources;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// What a query says besides its rows, on the sample: filters that match nothing name what is there, tag keys
/// present nowhere are reported, people without a person are a labelled group, time series come in date order,
/// and both reconciliation sentences print amounts alike. And rows per principal that read their principals'
/// tag values only when a chargeback asks, warning when a value changed within the period.
/// </summary>
public class QueryDiagnosticsTests
{
    private static async Task<(CostResult Result, List<string> Warnings)> QueryAsync(CostQuery query)
    {
        var ctx = new ChargebackAllocationTests.CollectingContext();
        var result = await CurSource.Local(new[] { ChargebackSampleTests.SamplePath }).QueryAsync(query, ctx, CancellationToken.None);
        return (result, ctx.Warnings);
    }

    private static GroupDimension[] By(params Dimension[] d) => d.Select(x => new GroupDimension(x)).ToArray();

    [Fact]
    public async Task A_filter_that_matches_nothing_names_the_nearest_values()
    {
        var (result, warnings) = await QueryAsync(new CostQuery { Principals = new[] { "*nobody*", "*:user/alice" }, Models = new[] { "Claude Sonet*" } });
        Assert.Empty(result.Rows);
        var principal = Assert.Single(warnings, w => w.StartsWith("-Principal '*nobody*'"));
        Assert.Contains("matches no principal", principal);
        Assert.Contains("user/division/bob", principal); // "nobody" is closest to "bob"
        Assert.DoesNotContain(warnings, w => w.Contains("'*:user/alice'"));
        var model = Assert.Single(warnings, w => w.StartsWith("-Model"));
        Assert.Contains("'Claude Sonnet 4.6'", model);
    }

    [Fact]
    public async Task A_tag_key_present_nowhere_is_reported()
    {
        var (result, _) = await QueryAsync(new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.Tag, "iamPrincipal/nosuchtag"), new GroupDimension(Dimension.Tag, "iamPrincipal/team") } });
        Assert.Equal(new[] { "iamPrincipal/nosuchtag" }, result.TagKeysNotFound);
        Assert.Contains("iamPrincipal/team", await CurSource.Local(new[] { ChargebackSampleTests.SamplePath }).TagKeysAsync(result.BillingPeriods, NullOperationContext.Instance, CancellationToken.None));
    }

    [Fact]
    public async Task People_without_a_person_form_labelled_groups_never_a_person_called_none()
    {
        var (result, _) = await QueryAsync(new CostQuery { GroupBy = By(Dimension.Person) });
        var people = result.Rows.Where(r => r.IsAttributed).Select(r => r.Person).ToList();
        Assert.DoesNotContain(Aggregator.None, people);
        Assert.Contains("(application)", people); // InvoiceApp and BatchRunner sessions
        Assert.Contains("(API key)", people);
        Assert.Contains("jane@example.com", people);
        // Rows per principal say the same of their principal.
        var (byPrincipal, _) = await QueryAsync(new CostQuery());
        Assert.Equal("(application)", byPrincipal.Rows.Single(r => r.Principal!.Contains("InvoiceApp")).Person);
    }

    [Theory]
    [InlineData(Dimension.Day)]
    [InlineData(Dimension.Month)]
    [InlineData(Dimension.BillingPeriod)]
    public async Task Time_groupings_come_in_date_order(Dimension time)
    {
        var (result, _) = await QueryAsync(new CostQuery { BillingPeriods = new[] { "2026-05", "2026-06" }, GroupBy = By(time, Dimension.Model) });
        var keys = result.Rows.Select(r => r.Day?.ToString("yyyy-MM-dd") ?? r.Month ?? r.BillingPeriod).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.True(keys.Distinct().Count() > 1);
        if (time == Dimension.BillingPeriod) Assert.Equal(new[] { "2026-05", "2026-06" }, keys.Distinct());
    }

    [Fact]
    public async Task Both_reconciliation_sentences_print_amounts_with_the_same_decimals()
    {
        var (result, _) = await QueryAsync(new CostQuery { CostBasis = CostBasis.NetUnblended, GroupBy = By(Dimension.Principal, Dimension.BillingPeriod) });
        var statement = ChargebackAllocator.Allocate(ChargebackInput.FromResult(result, "sample"), new ChargebackOptions());
        var total = ExactAmount.Text(result.SelectedTotals.Single().NetUnblendedCost);
        Assert.Contains($"Bedrock total of the data read {total},", result.ReconciliationText());
        Assert.Contains($"source {total},", statement.ReconciliationText());
        Assert.Matches(@"^\d+\.\d{1,10}$", total);
    }

    private static LineItem Tokens(string period, decimal thousands, decimal cost) => new()
    {
        BillingPeriod = period, UsageStart = DateTime.SpecifyKind(DateTime.Parse(period + "-02"), DateTimeKind.Utc), LineItemType = "Usage",
        ProductCode = "AmazonBedrock", UsageType = "USE1-Claude4.6Sonnet-input-tokens", PricingUnit = "1K tokens", UsageAmount = thousands,
        Principal = "arn:aws:iam::111122223333:user/ana", Currency = "USD", UnblendedCost = cost, NetUnblendedCost = cost,
    };

    [Fact]
    public void Period_and_token_totals_take_an_item_with_every_other_sum_or_not_at_all()
    {
        var a = new Aggregator(new CostQuery { GroupBy = By(Dimension.Principal, Dimension.BillingPeriod) });
        Assert.Equal(SumOverflow.None, a.Add(Tokens("2026-05", 2m, 1m)));
        Assert.Equal(SumOverflow.None, a.Add(Tokens("2026-06", 3m, 2m)));
        // 10^16 thousand tokens do not fit a long: the item is left out of every figure, tokens and periods included.
        Assert.Equal(SumOverflow.UsageAmount, a.Add(Tokens("2026-06", 1e16m, 5m)));
        var r = a.ToResult("CUR", NullOperationContext.Instance);
        Assert.Equal(1, r.LineItemsLeftOut);
        Assert.Equal(new[] { ("2026-05", 1m, 2000L), ("2026-06", 2m, 3000L) },
            r.PeriodTotals.Select(t => (t.BillingPeriod!, t.UnblendedCost, t.TotalTokens)));
        Assert.Equal(5000L, r.SelectedTotals.Single().InputTokens);
        Assert.Equal(3m, r.BedrockTotals.Single().UnblendedCost);

        // Another worker's periods merge into the same period totals.
        var b = new Aggregator(new CostQuery { GroupBy = By(Dimension.Principal, Dimension.BillingPeriod) });
        b.Add(Tokens("2026-06", 1m, 4m));
        Assert.True(a.TryMerge(b));
        r = a.ToResult("CUR", NullOperationContext.Instance);
        Assert.Equal(new[] { ("2026-05", 1m, 2000L), ("2026-06", 6m, 4000L) },
            r.PeriodTotals.Select(t => (t.BillingPeriod!, t.UnblendedCost, t.TotalTokens)));
        var statement = ChargebackAllocator.Allocate(ChargebackInput.FromResult(r, "test"), new ChargebackOptions());
        Assert.True(statement.Reconciles);
        Assert.Equal(new[] { 2000L, 4000L }, statement.Reconciliation.Select(x => x.SourceTokens));
    }

    /// <summary>A source over hand-made line items, aggregated by the real result builder.</summary>
    private sealed class ItemsSource(IReadOnlyList<(LineItem Item, Dictionary<string, string> Tags)> items) : ICostSource
    {
        public int Queries { get; private set; }
        public string Description => "items";
        public SourceCapabilities Capabilities => SourceCapabilities.CurFiles;
        public Task<string?> LatestBillingPeriodAsync(IOperationContext ctx, CancellationToken ct) => Task.FromResult<string?>("2026-06");

        public Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct)
        {
            Queries++;
            var aggregator = new Aggregator(query);
            foreach (var (item, tags) in items)
            {
                var copy = item;
                copy.Tags = aggregator.TagKeys.Select(k => tags.GetValueOrDefault(k)).ToArray();
                aggregator.Add(copy);
            }
            return Task.FromResult(aggregator.ToResult("CUR", ctx));
        }

        public void Dispose() { }
    }

    private static (LineItem, Dictionary<string, string>) Item(string principal, int day, decimal cost, string? team) => (new LineItem
    {
        BillingPeriod = "2026-06", UsageStart = new DateTime(2026, 6, day, 0, 0, 0, DateTimeKind.Utc), Account = "111122223333", PayerAccount = "999988887777",
        LineItemType = "Usage", ProductCode = "AmazonBedrock", UsageType = "USE1-Claude4.6Sonnet-input-tokens", Principal = principal,
        Currency = "USD", PricingUnit = "1K tokens", UsageAmount = 1m, UnblendedCost = cost, NetUnblendedCost = cost,
    }, team is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["iamPrincipal/team"] = team });

    [Fact]
    public async Task Rows_per_principal_read_their_tag_only_when_a_chargeback_asks_and_say_when_it_changed()
    {
        const string alice = "arn:aws:iam::111122223333:user/alice", bob = "arn:aws:iam::111122223333:user/bob";
        var source = new ItemsSource(new[]
        {
            Item(alice, 3, 10m, "ml"), Item(alice, 14, 5m, "ml"), Item(alice, 20, 7m, "research"),
            Item(bob, 5, 4m, "finance"), Item(bob, 9, 1m, null),
        });
        var query = new CostQuery();
        var rows = (await source.QueryAsync(query, NullOperationContext.Instance, CancellationToken.None)).Rows;
        var facts = new PrincipalFacts(_ => Task.FromResult<ICostSource>(source), query, "items");
        facts.Attach(rows);
        Assert.Equal(1, source.Queries); // attaching reads nothing

        var ctx = new ChargebackAllocationTests.CollectingContext();
        var piped = await PrincipalFacts.CompleteAsync(rows, "iamPrincipal/team", billingAccounts: true, ctx, CancellationToken.None);
        Assert.Equal(2, source.Queries);
        Assert.Equal(2, piped.Completed);
        Assert.Equal("research", piped.Rows.Single(r => r.Principal == alice).Tags["iamPrincipal/team"]); // the latest day's value
        Assert.Equal("(untagged)", piped.Rows.Single(r => r.Principal == bob).Tags["iamPrincipal/team"]);
        Assert.Equal("999988887777", piped.BillingAccounts["111122223333"]);
        var change = Assert.Single(ctx.Warnings, w => w.Contains("user/alice"));
        Assert.Contains("'ml' 2026-06-03 to 2026-06-14, 'research' 2026-06-20", change);
        Assert.Contains("-GroupBy Principal, iamPrincipal/team", change);
        Assert.Single(ctx.Warnings, w => w.Contains("user/bob"));

        // The statement of the completed rows allocates by the tag, and the rows given keep their own tags.
        var statement = ChargebackAllocator.Allocate(ChargebackInput.FromRows(piped.Rows, piped.SourceName, piped.BillingAccounts),
            new ChargebackOptions { CostCenterTag = "iamPrincipal/team" });
        Assert.Equal(22m, statement.CostCenters.Single(c => c.CostCenter == "research").Total);
        Assert.Empty(rows.Single(r => r.Principal == alice).Tags);
        Assert.Equal("items", piped.SourceName);
    }
}
