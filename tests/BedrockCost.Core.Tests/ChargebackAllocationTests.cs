using BedrockCost.Core;
using BedrockCost.Core.Allocation;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>The allocation maths of each policy and the precedence of cost-centre sources, on small hand-made rows.</summary>
public class ChargebackAllocationTests
{
    private const string Tag = "iamPrincipal/cost-center";

    internal static PrincipalCost Row(string? principal, string model, decimal cost, string? costCenterTag = null, string reason = "",
        string currency = "USD", string? role = null, string? person = null, long input = 0) => new()
    {
        BillingPeriod = "2026-06",
        Principal = principal ?? "(unattributed)",
        Role = role,
        Person = person,
        Model = model,
        Cost = cost,
        UnblendedCost = cost,
        NetUnblendedCost = cost,
        Currency = currency,
        UnattributedReason = principal is null ? (reason.Length == 0 ? "no principal" : reason) : string.Empty,
        Tags = new Dictionary<string, string> { [Tag] = costCenterTag ?? "(untagged)" },
        InputTokens = input,
    };

    private static ChargebackStatement Allocate(UnallocatedPolicy policy, IReadOnlyList<PrincipalCost> rows, string? owner = null,
        CostCenterMapping? mapping = null, IOperationContext? ctx = null) =>
        ChargebackAllocator.Allocate(ChargebackInput.FromRows(rows, "test"),
            new ChargebackOptions { Policy = policy, UnallocatedOwner = owner, CostCenterTag = Tag, Mapping = mapping ?? CostCenterMapping.Empty }, ctx);

    // Direct: A 30, B 10. Pool: unattributed 6 (tax), untagged principal 2.
    private static readonly PrincipalCost[] Basic =
    {
        Row("arn:aws:iam::1:user/a", "Claude", 30m, "A", input: 1000),
        Row("arn:aws:iam::1:user/b", "Claude", 10m, "B"),
        Row(null, "Claude", 6m, reason: "tax"),
        Row("arn:aws:iam::1:user/c", "Nova", 2m),
    };

    private static decimal Total(ChargebackStatement s, string cc) => s.CostCenters.Single(c => c.CostCenter == cc).Total;

    /// <summary>The lines add up to the known total of the input rows, and the statement's source total is that total.</summary>
    private static void AddsUpTo(decimal total, ChargebackStatement s)
    {
        Assert.Equal(total, s.Lines.Sum(l => l.Cost));
        Assert.Equal(total, s.Reconciliation.Single().SourceTotal);
    }

    [Fact]
    public void Keep_leaves_unattributed_and_untagged_cost_on_visible_unallocated_lines()
    {
        var s = Allocate(UnallocatedPolicy.Keep, Basic);
        Assert.Equal(30m, Total(s, "A"));
        Assert.Equal(10m, Total(s, "B"));
        var unallocated = s.Lines.Where(l => l.CostCenter == ChargebackLine.UnallocatedCostCenter).ToList();
        Assert.All(unallocated, l => Assert.Equal(ChargebackLineType.Unallocated, l.LineType));
        Assert.Equal(new[] { "tax", ChargebackAllocator.UntaggedReason }, unallocated.OrderByDescending(l => l.Cost).Select(l => l.Reason));
        Assert.Equal(8m, Total(s, ChargebackLine.UnallocatedCostCenter));
        AddsUpTo(48m, s);
        Assert.Equal(1000, s.Lines.Single(l => l.CostCenter == "A").InputTokens);
    }

    [Fact]
    public void Proportional_splits_each_unallocated_line_by_direct_cost_on_its_own_lines()
    {
        var s = Allocate(UnallocatedPolicy.Proportional, Basic);
        // A has 3/4 of the direct cost: 30 + 0.75 * 8 = 36; B: 10 + 0.25 * 8 = 12.
        Assert.Equal(36m, Total(s, "A"));
        Assert.Equal(12m, Total(s, "B"));
        Assert.DoesNotContain(s.Lines, l => l.CostCenter == ChargebackLine.UnallocatedCostCenter);
        var allocations = s.Lines.Where(l => l.LineType == ChargebackLineType.Allocation).ToList();
        Assert.Equal(4, allocations.Count); // 2 unallocated lines x 2 cost centres
        var taxToA = allocations.Single(l => l.CostCenter == "A" && l.Reason == "tax");
        Assert.Equal(4.5m, taxToA.Cost);
        Assert.Equal(0.75m, taxToA.AllocationShare);
        Assert.Contains("tax", taxToA.AllocatedFrom);
        Assert.Equal("Policy", taxToA.AssignedBy);
        AddsUpTo(48m, s);
    }

    [Fact]
    public void Principal_breakdown_keeps_unallocated_principals_whatever_the_policy()
    {
        foreach (var policy in Enum.GetValues<UnallocatedPolicy>())
        {
            var s = Allocate(policy, Basic, owner: "X");
            Assert.Equal(48m, s.ByPrincipal.Sum(p => p.Cost));
            Assert.Equal(6m, s.ByPrincipal.Single(p => p.Key == "(unattributed)").Cost);
        }
    }

    [Fact]
    public void Even_splits_over_cost_centres_with_direct_cost()
    {
        var s = Allocate(UnallocatedPolicy.Even, Basic);
        Assert.Equal(34m, Total(s, "A"));
        Assert.Equal(14m, Total(s, "B"));
        AddsUpTo(48m, s);
    }

    [Fact]
    public void Assign_charges_everything_unallocated_to_the_owner()
    {
        var s = Allocate(UnallocatedPolicy.Assign, Basic, owner: "IT-Shared");
        Assert.Equal(8m, Total(s, "IT-Shared"));
        Assert.All(s.Lines.Where(l => l.CostCenter == "IT-Shared"), l => Assert.Equal(ChargebackLineType.Allocation, l.LineType));
        Assert.Equal(2, s.Lines.Count(l => l.CostCenter == "IT-Shared"));
        AddsUpTo(48m, s);
    }

    [Fact]
    public void Assign_without_an_owner_is_an_argument_error()
    {
        var e = Assert.Throws<BedrockCostException>(() => Allocate(UnallocatedPolicy.Assign, Basic));
        Assert.Equal(ErrorIds.UnallocatedOwnerRequired, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Split_rounds_to_ten_places_and_gives_the_residue_to_the_largest_share()
    {
        var shares = ChargebackAllocator.Split(100m, new[] { ("B", 2m), ("A", 1m) });
        Assert.Equal(new[] { "A", "B" }, shares.Select(s => s.CostCenter));
        Assert.Equal(33.3333333333m, shares[0].Amount);
        Assert.Equal(66.6666666667m, shares[1].Amount);
        Assert.Equal(100m, shares.Sum(s => s.Amount));
    }

    [Fact]
    public void Split_breaks_ties_by_cost_centre_name()
    {
        var shares = ChargebackAllocator.Split(10m, new[] { ("C", 1m), ("B", 1m), ("A", 1m) });
        Assert.Equal(3.3333333334m, shares.Single(s => s.CostCenter == "A").Amount);
        Assert.Equal(3.3333333333m, shares.Single(s => s.CostCenter == "B").Amount);
        Assert.Equal(3.3333333333m, shares.Single(s => s.CostCenter == "C").Amount);
        Assert.Equal(10m, shares.Sum(s => s.Amount));
    }

    [Fact]
    public void Credits_are_split_as_negative_shares_and_still_add_up()
    {
        var rows = new[]
        {
            Row("arn:aws:iam::1:user/a", "Claude", 7m, "A"),
            Row("arn:aws:iam::1:user/b", "Claude", 3m, "B"),
            Row("arn:aws:iam::1:user/c", "Claude", 11m, "C"),
            Row(null, "Claude", -1m, reason: "credit"),
        };
        var s = Allocate(UnallocatedPolicy.Proportional, rows);
        Assert.Equal(-1m, s.Lines.Where(l => l.LineType == ChargebackLineType.Allocation).Sum(l => l.Cost));
        AddsUpTo(20m, s);
        // -1 * 11/21 = -0.5238095238 (largest share, takes the residue).
        Assert.Equal(-0.5238095238m, s.Lines.Single(l => l.CostCenter == "C" && l.LineType == ChargebackLineType.Allocation).Cost);
    }

    [Theory]
    [InlineData(UnallocatedPolicy.Proportional)]
    [InlineData(UnallocatedPolicy.Even)]
    public void With_no_cost_centre_the_split_policies_keep_the_cost_visible_and_warn(UnallocatedPolicy policy)
    {
        var ctx = new CollectingContext();
        var s = Allocate(policy, new[] { Row(null, "Claude", 5m), Row("arn:aws:iam::1:user/c", "Nova", 2m) }, ctx: ctx);
        Assert.All(s.Lines, l => Assert.Equal(ChargebackLineType.Unallocated, l.LineType));
        Assert.Equal(7m, s.Lines.Sum(l => l.Cost));
        Assert.Contains(ctx.Warnings, w => w.Contains("nothing to split"));
    }

    [Fact]
    public void Currencies_are_allocated_and_reconciled_separately()
    {
        var rows = new[]
        {
            Row("arn:aws:iam::1:user/a", "Claude", 10m, "A"),
            Row("arn:aws:iam::1:user/b", "Claude", 10m, "B", currency: "EUR"),
            Row(null, "Claude", 4m),
            Row(null, "Claude", 2m, currency: "EUR"),
        };
        var s = Allocate(UnallocatedPolicy.Even, rows);
        Assert.Equal(14m, s.CostCenters.Single(c => c.CostCenter == "A").Total);
        Assert.Equal(12m, s.CostCenters.Single(c => c.CostCenter == "B" && c.Currency == "EUR").Total);
        Assert.Equal(new[] { "EUR", "USD" }, s.Reconciliation.Select(r => r.Currency));
        Assert.Equal(12m, s.Lines.Where(l => l.Currency == "EUR").Sum(l => l.Cost));
        Assert.Equal(14m, s.Lines.Where(l => l.Currency == "USD").Sum(l => l.Cost));
        Assert.Equal(new[] { 12m, 14m }, s.Reconciliation.Select(r => r.SourceTotal));
    }

    [Fact]
    public void Mapping_wins_over_the_tag_and_the_first_matching_rule_wins()
    {
        var mapping = CostCenterMapping.ParseCsv("""
            Pattern,Match,CostCenter,Owner,MonthlyBudget
            arn:aws:iam::1:user/a,Principal,CC-MAPPED,Ann,100
            *,Principal,CC-CATCHALL,,
            """);
        var rows = new[] { Row("arn:aws:iam::1:user/a", "Claude", 3m, "TAGGED"), Row("arn:aws:iam::1:user/z", "Claude", 1m, "TAGGED") };
        var s = Allocate(UnallocatedPolicy.Keep, rows, mapping: mapping);
        var a = s.Lines.Single(l => l.Principal!.EndsWith("/a"));
        Assert.Equal("CC-MAPPED", a.CostCenter);
        Assert.Equal("Mapping", a.AssignedBy);
        Assert.Equal("Ann", a.Owner);
        Assert.Equal(100m, a.Budget);
        Assert.Equal("CC-CATCHALL", s.Lines.Single(l => l.Principal!.EndsWith("/z")).CostCenter);
    }

    [Fact]
    public void Tag_is_used_when_no_rule_matches_and_untagged_principals_are_unallocated()
    {
        var mapping = CostCenterMapping.ParseCsv("Pattern,CostCenter\narn:aws:iam::1:user/nobody,CC-X\n");
        var rows = new[] { Row("arn:aws:iam::1:user/a", "Claude", 3m, "TAGGED"), Row("arn:aws:iam::1:user/b", "Claude", 1m) };
        var s = Allocate(UnallocatedPolicy.Keep, rows, mapping: mapping);
        var a = s.Lines.Single(l => l.Principal!.EndsWith("/a"));
        Assert.Equal("TAGGED", a.CostCenter);
        Assert.Equal("Tag", a.AssignedBy);
        var b = s.Lines.Single(l => l.Principal!.EndsWith("/b"));
        Assert.Equal(ChargebackLine.UnallocatedCostCenter, b.CostCenter);
        Assert.Equal(ChargebackAllocator.UntaggedReason, b.Reason);
    }

    [Fact]
    public void Rules_match_role_and_person_and_never_unattributed_cost()
    {
        var mapping = CostCenterMapping.ParseJson("""
            { "rules": [
              { "pattern": "Invoice*", "match": "Role", "costCenter": "CC-ROLE" },
              { "pattern": "*@example.com", "match": "person", "costCenter": "CC-PERSON", "monthlyBudget": 50 },
              { "pattern": "*", "costCenter": "CC-ALL" }
            ] }
            """);
        var rows = new[]
        {
            Row("arn:aws:sts::1:assumed-role/InvoiceApp/s", "Claude", 1m, role: "InvoiceApp", person: null),
            Row("arn:aws:sts::1:assumed-role/BedrockRole/jane@example.com", "Claude", 2m, role: "BedrockRole", person: "jane@example.com"),
            Row("arn:aws:iam::1:user/x", "Claude", 4m),
            Row(null, "Claude", 8m),
        };
        var s = Allocate(UnallocatedPolicy.Keep, rows, mapping: mapping);
        Assert.Equal(1m, Total(s, "CC-ROLE"));
        Assert.Equal(2m, Total(s, "CC-PERSON"));
        Assert.Equal(50m, s.CostCenters.Single(c => c.CostCenter == "CC-PERSON").Budget);
        Assert.Equal(4m, Total(s, "CC-ALL"));
        Assert.Equal(8m, Total(s, ChargebackLine.UnallocatedCostCenter));
    }

    [Fact]
    public void Budgets_cover_every_billing_period_of_the_statement()
    {
        var mapping = CostCenterMapping.ParseCsv("Pattern,CostCenter,MonthlyBudget\n*,CC,100\n");
        var rows = new[] { Row("arn:aws:iam::1:user/a", "Claude", 150m) };
        var input = ChargebackInput.FromRows(rows, "t");
        var twoMonths = new ChargebackInput { Rows = rows, SourceTotals = input.SourceTotals, BillingPeriods = new[] { "2026-05", "2026-06" } };
        var s = ChargebackAllocator.Allocate(twoMonths, new ChargebackOptions { Mapping = mapping });
        var cc = s.CostCenters.Single();
        Assert.Equal(200m, cc.Budget);
        Assert.Equal(75m, cc.BudgetUsedPercent);
    }

    internal sealed class CollectingContext : IOperationContext
    {
        public List<string> Warnings { get; } = new();
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
        public void Progress(ProgressReport report) { }
    }
}
