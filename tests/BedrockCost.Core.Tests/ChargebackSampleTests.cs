using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using CsvHelper;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Chargeback of the embedded sample export (samples/bedrock-cur): every statement adds up to the Bedrock total of
/// samples/expected.json and each cost centre gets what the test computes from expected.json alone (direct cost by
/// tag, and the unallocated rest split by the policy's rule); the hostile tag values of the sample (spreadsheet
/// formulas, a script tag, an attribute break-out) are neutralised in the CSV and the HTML.
/// </summary>
public class ChargebackSampleTests
{
    internal static readonly string RepoRoot = Truth.RepoRoot;
    internal static readonly string SamplePath = Truth.SamplePath;
    private const string Tag = ExpectedTotals.CostCenterTag;
    private const string Formula = "=HYPERLINK(\"http://x\")";
    private const string Command = "=cmd|' /C calc'!A0";
    private const string Script = "<script>alert(1)</script>";

    private static readonly Dictionary<(string, CostBasis), CostResult> Results = new();

    internal static async Task<CostResult> QueryAsync(string period, CostBasis basis = CostBasis.Unblended, string tag = Tag)
    {
        lock (Results) if (Results.TryGetValue((period + tag, basis), out var cached)) return cached;
        var query = new CostQuery
        {
            BillingPeriods = new[] { period },
            GroupBy = new[] { new GroupDimension(Dimension.Principal), new GroupDimension(Dimension.Model), new GroupDimension(Dimension.TokenType),
                new GroupDimension(Dimension.Day), new GroupDimension(Dimension.Tag, tag) },
            CostBasis = basis,
        };
        var result = await CurSource.Local(new[] { SamplePath }).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        lock (Results) Results[(period + tag, basis)] = result;
        return result;
    }

    internal static async Task<ChargebackStatement> StatementAsync(UnallocatedPolicy policy = UnallocatedPolicy.Proportional, string period = "2026-06",
        string tag = Tag, CostBasis basis = CostBasis.Unblended) =>
        ChargebackAllocator.Allocate(ChargebackInput.FromResult(await QueryAsync(period, basis, tag), "sample"),
            new ChargebackOptions { Policy = policy, CostCenterTag = tag, UnallocatedOwner = policy == UnallocatedPolicy.Assign ? "IT-SHARED" : null });

    /// <summary>
    /// What each cost centre must be charged, from expected.json alone: the cost of the principals tagged with it
    /// (direct), and the rest of the Bedrock total (unattributed and untagged cost) kept, assigned, or split evenly or
    /// in proportion to direct cost. Splits round each share to 10 places, so those totals are exact to 1e-6.
    /// </summary>
    internal static (Dictionary<string, decimal> Totals, decimal Tolerance) ExpectedCostCentres(string period, CostBasis basis, UnallocatedPolicy policy,
        string tag = Tag, string owner = "IT-SHARED")
    {
        var truth = Truth.Of(period);
        var net = basis == CostBasis.NetUnblended;
        var direct = truth.Principals.Where(p => p.Tag(tag) is not null).GroupBy(p => p.Tag(tag)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Figures.Cost(net)), StringComparer.Ordinal);
        var pool = truth.Bedrock.Cost(net) - direct.Values.Sum();
        var totals = new Dictionary<string, decimal>(direct, StringComparer.Ordinal);
        switch (policy)
        {
            case UnallocatedPolicy.Keep: totals[ChargebackLine.UnallocatedCostCenter] = pool; return (totals, 0m);
            case UnallocatedPolicy.Assign: totals[owner] = pool; return (totals, 0m);
            case UnallocatedPolicy.Even:
                foreach (var cc in direct.Keys) totals[cc] += pool / direct.Count;
                return (totals, 0.000001m);
            default:
                foreach (var cc in direct.Keys) totals[cc] += pool * direct[cc] / direct.Values.Sum();
                return (totals, 0.000001m);
        }
    }

    public static TheoryData<UnallocatedPolicy, string, CostBasis> Cases()
    {
        var data = new TheoryData<UnallocatedPolicy, string, CostBasis>();
        foreach (var policy in Enum.GetValues<UnallocatedPolicy>())
            foreach (var period in new[] { "2026-05", "2026-06" })
                foreach (var basis in Enum.GetValues<CostBasis>())
                    data.Add(policy, period, basis);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Sample_statement_charges_each_cost_centre_what_the_truth_says_under_every_policy(UnallocatedPolicy policy, string period, CostBasis basis)
    {
        var s = await StatementAsync(policy, period, basis: basis);
        var total = Truth.Of(period).Bedrock.Cost(basis == CostBasis.NetUnblended);

        // The statement adds up to the independent Bedrock total, exactly, in decimal, and says so.
        Assert.Equal(total, s.Lines.Sum(l => l.Cost));
        Assert.Equal(total, s.CostCenters.Sum(c => c.Total));
        var r = Assert.Single(s.Reconciliation);
        Assert.Equal("USD", r.Currency);
        Assert.Equal(total, r.SourceTotal);
        Assert.Equal(total, r.AllocatedTotal);
        Assert.True(s.Reconciles);

        // Each cost centre gets its direct cost and its share of the rest, as computed from expected.json.
        var (expected, tolerance) = ExpectedCostCentres(period, basis, policy);
        var actual = s.CostCenters.GroupBy(c => c.CostCenter).ToDictionary(g => g.Key, g => g.Sum(c => c.Total));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (cc, want) in expected)
            Assert.True(Math.Abs(actual[cc] - want) <= tolerance, $"{policy} {period} {basis}: {cc} is charged {actual[cc]} instead of {want}");
        var unallocated = s.Lines.Where(l => l.CostCenter == ChargebackLine.UnallocatedCostCenter).ToList();
        if (policy != UnallocatedPolicy.Keep) Assert.All(unallocated, l => Assert.Equal(0m, l.Cost)); // only zero-cost lines that carry tokens stay
    }

    [Fact]
    public async Task Sample_cost_centres_follow_the_principal_tags()
    {
        var s = await StatementAsync(UnallocatedPolicy.Keep, "2026-05");
        var byCc = s.CostCenters.ToDictionary(c => c.CostCenter, c => c.DirectCost);
        // alice and jane are tagged CC-100 (team ml) in the sample; mallory's and eve's cost centres are formulas.
        Assert.Equal(Truth.Of("2026-05").Principals.Where(p => p.Tag(Tag) == "CC-100").Sum(p => p.Figures.UnblendedCost), byCc["CC-100"]);
        Assert.Contains(Formula, byCc.Keys);
        Assert.Contains(Command, byCc.Keys);
        // The unattributed rows of the period are all on unallocated lines, with their reasons.
        var unattributed = s.Lines.Where(l => l.Principal == Aggregator.Unattributed).ToList();
        Assert.All(unattributed, l => Assert.Equal(ChargebackLineType.Unallocated, l.LineType));
        foreach (var (reason, figures) in Truth.Of("2026-05").UnattributedReasons)
            Assert.Equal(figures.UnblendedCost, unattributed.Where(l => l.Reason == reason).Sum(l => l.Cost));
        Assert.Equal(Truth.Of("2026-05").Unattributed.UnblendedCost, unattributed.Sum(l => l.Cost));
        Assert.NotEmpty(s.Daily);
        Assert.Contains(s.ByModelAndTokenType, b => b.Detail == "CacheRead");
    }

    [Fact]
    public async Task Csv_escapes_the_formula_tag_values_and_keeps_numbers_numeric()
    {
        var s = await StatementAsync();
        foreach (var (write, expectedRows, isLines) in new (Func<ChargebackStatement, Stream, CancellationToken, Task>, int, bool)[]
                 {
                     (CsvReport.WriteAsync, s.Lines.Count, true),
                     (CsvReport.WriteSummaryAsync, s.CostCentersByPeriod.Count + 3 * s.Reconciliation.Count, false),
                 })
        {
            using var ms = new MemoryStream();
            await write(s, ms, CancellationToken.None);
            var text = Encoding.UTF8.GetString(ms.ToArray());
            Assert.Contains("\"'=HYPERLINK(\"\"http://x\"\")\"", text);

            using var csv = CsvReader.Create(ms.ToArray(), CsvReaderOptions.Default with { Separator = ',' });
            var costIndex = -1;
            var rows = 0;
            var negativeNumbers = 0;
            var fields = new List<string>();
            decimal cost = 0;
            while (csv.Read())
            {
                rows++;
                if (costIndex < 0) costIndex = csv.GetFieldIndex("Cost");
                for (var i = 0; i < csv.FieldCount; i++)
                {
                    var f = csv.GetString(i);
                    fields.Add(f);
                    if (f.Length == 0 || !"=+-@\t\r".Contains(f[0])) continue;
                    // Only numbers may start with '-' (credits): they are numbers to a spreadsheet, not formulas.
                    Assert.True(decimal.TryParse(f, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), $"Unescaped formula in CSV: {f}");
                    negativeNumbers++;
                }
                cost += decimal.Parse(csv.GetString(costIndex), System.Globalization.CultureInfo.InvariantCulture);
            }
            Assert.Contains("'" + Formula, fields);
            Assert.Contains("'" + Command, fields);
            Assert.Equal(expectedRows, rows);
            if (!isLines) continue;
            Assert.True(negativeNumbers > 0, "the sample has credits: negative numbers must stay numbers");
            // The lines file holds nothing but lines: its Cost column, at full precision, adds up to the independent total.
            Assert.Equal(Truth.Of("2026-06").Bedrock.UnblendedCost, cost);
        }
    }

    [Fact]
    public async Task Json_has_the_reconciliation_and_the_lines_with_exact_numbers()
    {
        var s = await StatementAsync(UnallocatedPolicy.Even);
        using var ms = new MemoryStream();
        await JsonReport.WriteAsync(s, ms, CancellationToken.None);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        var total = Truth.Of("2026-06").Bedrock.UnblendedCost;
        Assert.Equal("Even", root.GetProperty("policy").GetString());
        var rec = root.GetProperty("reconciliation")[0];
        Assert.Equal(total, rec.GetProperty("sourceTotal").GetDecimal());
        Assert.Equal(s.Lines.Count, root.GetProperty("lines").GetArrayLength());
        var lines = root.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("cost").GetDecimal());
        Assert.Equal(total, lines);
        Assert.Equal(lines - total, rec.GetProperty("difference").GetDecimal());
        Assert.Contains(root.GetProperty("lines").EnumerateArray(), l => l.GetProperty("costCenter").GetString() == Formula);
    }

    [Fact]
    public async Task Html_shows_hostile_values_as_text_and_needs_no_network()
    {
        var teamStatement = await StatementAsync(UnallocatedPolicy.Keep, tag: ExpectedTotals.TeamTag);
        var html = Render(teamStatement);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Script, html);

        var ccHtml = Render(await StatementAsync());
        Assert.Contains("=HYPERLINK(&quot;http://x&quot;)", ccHtml);
        foreach (var h in new[] { html, ccHtml })
        {
            // No tag of the document loads or runs anything (hostile text is escaped, so it is not inside a tag).
            Assert.DoesNotMatch(new Regex(@"<[a-zA-Z][^<>]*\s(href|src|srcset|style|on[a-z]+)\s*=", RegexOptions.IgnoreCase), h);
            Assert.DoesNotContain("url(", h, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("@import", h, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("id=\"chart-cost-centres\"", h);
            Assert.Contains("id=\"chart-models\"", h);
            Assert.Contains("id=\"chart-daily\"", h);
            Assert.Contains("Reconciled", h);
        }
    }

    [Fact]
    public async Task Html_shows_budget_vs_actual_when_the_mapping_has_budgets()
    {
        var mapping = CostCenterMapping.ParseCsv("Pattern,CostCenter,Owner,MonthlyBudget\n*:user/alice,CC-100,Ann <ann@example.com>,100\n");
        var s = ChargebackAllocator.Allocate(ChargebackInput.FromResult(await QueryAsync("2026-06"), "sample"),
            new ChargebackOptions { Mapping = mapping, CostCenterTag = Tag, Policy = UnallocatedPolicy.Proportional });
        var html = Render(s);
        Assert.Contains("id=\"chart-budget\"", html);
        Assert.Contains("Ann &lt;ann@example.com&gt;", html);
        Assert.Equal(Truth.Of("2026-06").Bedrock.UnblendedCost, s.Lines.Sum(l => l.Cost));
        // The mapping wins over the tag: both alice users (two accounts) are CC-100's direct cost, with the principals tagged CC-100.
        var cc100 = Truth.Of("2026-06").Principals.Where(p => p.Principal.EndsWith(":user/alice") || p.Tag(Tag) == "CC-100").Sum(p => p.Figures.UnblendedCost);
        Assert.Equal(cc100, s.CostCenters.Single(c => c.CostCenter == "CC-100").DirectCost);
    }

    internal static string Render(ChargebackStatement s)
    {
        var sw = new StringWriter();
        HtmlReport.Write(s, sw);
        return sw.ToString();
    }
}
