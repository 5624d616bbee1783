using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;
using BedrockCost.Core.Sources;
using CsvHelper;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Chargeback of the embedded sample export (samples/bedrock-cur, truth in samples/expected.json): exact
/// reconciliation under every policy, and the hostile tag values of the sample (a spreadsheet formula and a
/// script tag) neutralised in the CSV and the HTML.
/// </summary>
public class ChargebackSampleTests
{
    internal static readonly string RepoRoot = FindRepoRoot();
    internal static readonly string SamplePath = Path.Combine(RepoRoot, "samples", "bedrock-cur");
    private const string Tag = "iamPrincipal/cost-center";
    private const string Formula = "=HYPERLINK(\"http://x\")";
    private const string Script = "<script>alert(1)</script>";

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "samples", "bedrock-cur"))) return d.FullName;
        throw new InvalidOperationException("samples/bedrock-cur not found above the test folder.");
    }

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

    internal static async Task<ChargebackStatement> StatementAsync(UnallocatedPolicy policy = UnallocatedPolicy.Proportional, string period = "2026-06", string tag = Tag) =>
        ChargebackAllocator.Allocate(ChargebackInput.FromResult(await QueryAsync(period, tag: tag), "sample"),
            new ChargebackOptions { Policy = policy, CostCenterTag = tag, UnallocatedOwner = policy == UnallocatedPolicy.Assign ? "IT-SHARED" : null });

    private static decimal Expected(string period, string field)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "samples", "expected.json")));
        var p = doc.RootElement.GetProperty("periods").EnumerateArray().Single(e => e.GetProperty("billingPeriod").GetString() == period);
        return p.GetProperty("bedrock").GetProperty(field).GetDecimal();
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
    public async Task Sample_reconciles_exactly_under_every_policy(UnallocatedPolicy policy, string period, CostBasis basis)
    {
        var result = await QueryAsync(period, basis);
        var s = ChargebackAllocator.Allocate(ChargebackInput.FromResult(result, "sample"),
            new ChargebackOptions { Policy = policy, CostCenterTag = Tag, UnallocatedOwner = "IT-SHARED" });

        var r = Assert.Single(s.Reconciliation);
        Assert.Equal("USD", r.Currency);
        // The source total is the independent truth of the generator...
        var truth = Expected(period, basis == CostBasis.NetUnblended ? "netUnblendedCost" : "unblendedCost");
        Assert.InRange(r.SourceTotal - truth, -0.000001m, 0.000001m);
        // ...and the statement adds up to it exactly, in decimal.
        Assert.Equal(0m, r.Difference);
        Assert.Equal(r.SourceTotal, s.Lines.Sum(l => l.Cost));
        Assert.Equal(r.SourceTotal, s.CostCenters.Sum(c => c.Total));
        Assert.True(s.Reconciles);

        var unallocated = s.Lines.Where(l => l.CostCenter == ChargebackLine.UnallocatedCostCenter).ToList();
        if (policy == UnallocatedPolicy.Keep) Assert.NotEmpty(unallocated);
        else Assert.All(unallocated, l => Assert.Equal(0m, l.Cost)); // only zero-cost lines that carry tokens stay
        if (policy == UnallocatedPolicy.Assign)
            Assert.Equal(s.Lines.Where(l => l.LineType == ChargebackLineType.Allocation).Sum(l => l.Cost), s.CostCenters.Single(c => c.CostCenter == "IT-SHARED").Total);
    }

    [Fact]
    public async Task Sample_cost_centres_follow_the_principal_tags()
    {
        var s = await StatementAsync(UnallocatedPolicy.Keep, "2026-05");
        var byCc = s.CostCenters.ToDictionary(c => c.CostCenter, c => c.DirectCost);
        // alice, jane and the 444455556666 batch runner are tagged CC-100 (team ml) in the sample.
        Assert.Contains("CC-100", byCc.Keys);
        Assert.Contains(Formula, byCc.Keys);
        // The unattributed rows of the period are all on unallocated lines.
        var unattributed = s.Lines.Where(l => l.Principal == "(unattributed)").ToList();
        Assert.All(unattributed, l => Assert.Equal(ChargebackLineType.Unallocated, l.LineType));
        Assert.InRange(unattributed.Sum(l => l.Cost) - 540.9891481874m, -0.000001m, 0.000001m);
        Assert.NotEmpty(s.Daily);
        Assert.Contains(s.ByModelAndTokenType, b => b.Detail == "CacheRead");
    }

    [Fact]
    public async Task Csv_escapes_the_formula_tag_value_and_keeps_numbers_numeric()
    {
        var s = await StatementAsync();
        foreach (var (write, expectedRows, hasCredits) in new (Func<ChargebackStatement, Stream, CancellationToken, Task>, int, bool)[]
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
            var rows = 0;
            var negativeNumbers = 0;
            while (csv.Read())
            {
                rows++;
                for (var i = 0; i < csv.FieldCount; i++)
                {
                    var f = csv.GetString(i);
                    if (f.Length == 0 || !"=+-@\t\r".Contains(f[0])) continue;
                    // Only numbers may start with '-' (credits): they are numbers to a spreadsheet, not formulas.
                    Assert.True(decimal.TryParse(f, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), $"Unescaped formula in CSV: {f}");
                    negativeNumbers++;
                }
            }
            Assert.Equal(expectedRows, rows);
            if (hasCredits) Assert.True(negativeNumbers > 0, "the sample has credits: negative numbers must stay numbers");
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
        Assert.Equal("Even", root.GetProperty("policy").GetString());
        var rec = root.GetProperty("reconciliation")[0];
        Assert.Equal(0m, rec.GetProperty("difference").GetDecimal());
        Assert.Equal(s.Lines.Count, root.GetProperty("lines").GetArrayLength());
        Assert.Equal(rec.GetProperty("sourceTotal").GetDecimal(), root.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("cost").GetDecimal()));
        Assert.Contains(root.GetProperty("lines").EnumerateArray(), l => l.GetProperty("costCenter").GetString() == Formula);
    }

    [Fact]
    public async Task Html_shows_hostile_values_as_text_and_needs_no_network()
    {
        var teamStatement = await StatementAsync(UnallocatedPolicy.Keep, tag: "iamPrincipal/team");
        var html = Render(teamStatement);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Script, html);

        var ccHtml = Render(await StatementAsync());
        Assert.Contains("=HYPERLINK(&quot;http://x&quot;)", ccHtml);
        foreach (var h in new[] { teamStatement }.Select(Render).Append(ccHtml))
        {
            Assert.DoesNotMatch(new Regex(@"\s(href|src|srcset|style|on[a-z]+)\s*=", RegexOptions.IgnoreCase), h);
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
        Assert.Equal(0m, s.Reconciliation.Single().Difference);
    }

    internal static string Render(ChargebackStatement s)
    {
        var sw = new StringWriter();
        HtmlReport.Write(s, sw);
        return sw.ToString();
    }
}
