using System.Text.Json;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;
using BedrockCost.FakeCostExplorer;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Cost Explorer source and the JSON 1.1 client against a local endpoint that verifies SigV4.</summary>
public sealed class CostExplorerTests : IDisposable
{
    private readonly FakeCostExplorer.FakeCostExplorer _server = new() { PageSize = 2, ThrottleFirst = 1 };
    private readonly List<TimeSpan> _delays = new();

    public CostExplorerTests() => _server.Start();
    public void Dispose() => _server.Dispose();

    private AwsJsonClient Client(string? secret = null, int maxAttempts = 4)
    {
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: _server.AccessKey, SecretKey: secret ?? _server.SecretKey,
            Region: "eu-west-1", EndpointUrl: _server.Url.ToString()));
        return CostExplorerSource.CreateClient(conn, new AwsJsonClientOptions
        {
            MaxAttempts = maxAttempts,
            Delay = (d, _) => { lock (_delays) _delays.Add(d); return Task.CompletedTask; },
        });
    }

    private sealed class Log : IOperationContext
    {
        public List<string> Verbose = new();
        void IOperationContext.Verbose(string m) { lock (Verbose) Verbose.Add(m); }
        public void Debug(string m) { }
        public void Warning(string m) { }
        public void Progress(ProgressReport r) { }
    }

    /// <summary>The model each Cost Explorer service stands for: a Marketplace edition is its model, the rest of Amazon Bedrock has none.</summary>
    private static readonly Dictionary<string, string> ModelNames = new()
    {
        ["Amazon Bedrock"] = "(Amazon Bedrock)", ["Claude Sonnet 4 (Amazon Bedrock Edition)"] = "Claude Sonnet 4",
    };

    private static bool IsBedrock(CeRecord r) => r.Service == "Amazon Bedrock" || r.Service.EndsWith("(Amazon Bedrock Edition)");

    private static IEnumerable<CeRecord> Period(IEnumerable<CeRecord> rs, string month) =>
        rs.Where(r => IsBedrock(r) && r.Day.ToString("yyyy-MM") == month);

    [Fact]
    public async Task Groups_by_principal_tag_with_paging_throttling_and_untagged()
    {
        using var client = Client();
        var log = new Log();
        var query = new CostQuery { BillingPeriods = new[] { "2026-05" }, GroupBy = new[] { GroupDimension.Parse("iamPrincipal/team") } };
        var result = await new CostExplorerSource(client).QueryAsync(query, log, CancellationToken.None);

        var expected = Period(_server.Records, "2026-05")
            .GroupBy(r => r.Tags.GetValueOrDefault("iamPrincipal/team") ?? "(untagged)")
            .ToDictionary(g => g.Key, g => (g.Sum(r => r.Unblended), g.Sum(r => r.Net)));
        Assert.Equal(expected.Keys.Order(), result.Rows.Select(r => r.TagValue!).Order());
        foreach (var row in result.Rows)
        {
            Assert.Equal(expected[row.TagValue!].Item1, row.UnblendedCost);
            Assert.Equal(expected[row.TagValue!].Item2, row.NetUnblendedCost);
            Assert.Equal("CostExplorer", row.Source);
            Assert.Equal("2026-05", row.BillingPeriod);
            Assert.Equal(row.TagValue, row.Tags["iamPrincipal/team"]);
        }
        Assert.Contains(result.Rows, r => r.TagValue == "(untagged)");
        // The totals are the server's records, not the sum of the rows returned.
        Assert.Equal(expected.Values.Sum(v => v.Item1), result.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(expected.Values.Sum(v => v.Item2), result.BedrockTotals.Single().NetUnblendedCost);
        Assert.Equal(expected.Values.Sum(v => v.Item1), result.Rows.Sum(r => r.Cost));

        var requests = _server.Requests;
        Assert.All(requests, r => Assert.Null(r.Problem));
        Assert.Single(requests, r => r.Status == 400 && r.Target == "AWSInsightsIndexService.GetCostAndUsage");
        Assert.Single(_delays);
        Assert.Contains(requests, r => r.Target.EndsWith("GetDimensionValues") && r.Body.Contains("NextPageToken"));
        Assert.Contains(requests, r => r.Target.EndsWith("GetCostAndUsage") && r.Body.Contains("NextPageToken") && r.Status == 200);
        Assert.Equal(requests.Count, client.RequestCount);
        Assert.Contains(log.Verbose, v => v.Contains($"{requests.Count} billed request(s)"));
        // The services filter names Bedrock and the Marketplace edition, never other services.
        var cu = JsonDocument.Parse(requests.Last(r => r.Target.EndsWith("GetCostAndUsage")).Body).RootElement;
        Assert.Equal("MONTHLY", cu.GetProperty("Granularity").GetString());
        Assert.Equal(new[] { "Amazon Bedrock", "Claude Sonnet 4 (Amazon Bedrock Edition)" },
            cu.GetProperty("Filter").GetProperty("Dimensions").GetProperty("Values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task Three_dimensions_and_day_are_split_into_exact_requests()
    {
        using var client = Client();
        var query = new CostQuery
        {
            StartDate = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc),
            EndDate = new DateTime(2026, 6, 3, 0, 0, 0, DateTimeKind.Utc),
            GroupBy = new[] { "Model", "Account", "iamPrincipal/team", "Day" }.Select(GroupDimension.Parse).ToArray(),
            CostBasis = CostBasis.NetUnblended,
        };
        var result = await new CostExplorerSource(client).QueryAsync(query, new Log(), CancellationToken.None);
        var expected = _server.Records.Where(r => IsBedrock(r) && r.Day < query.EndDate)
            .GroupBy(r => (ModelNames[r.Service], r.Account, r.Tags.GetValueOrDefault("iamPrincipal/team") ?? "(untagged)", r.Day))
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Net));
        Assert.Equal(expected.Count, result.Rows.Count);
        foreach (var row in result.Rows)
            Assert.Equal(expected[(row.Model!, row.Account!, row.Tags["iamPrincipal/team"], row.Day!.Value)], row.Cost);
        Assert.Contains(result.Rows, r => r.Model == "(Amazon Bedrock)");
        Assert.Contains(result.Rows, r => r.Model == "Claude Sonnet 4");
        Assert.All(_server.Requests, r => Assert.Null(r.Problem));
        Assert.All(_server.Requests.Where(r => r.Target.EndsWith("GetCostAndUsage")),
            r => Assert.True(JsonDocument.Parse(r.Body).RootElement.TryGetProperty("GroupBy", out var g) && g.GetArrayLength() <= 2));
        Assert.Equal(new[] { "2026-05", "2026-06" }, result.BillingPeriods);
    }

    [Theory]
    [InlineData("Principal")]
    [InlineData("Person")]
    [InlineData("UsageType")]
    public async Task Principal_level_grouping_is_a_clear_error(string dimension)
    {
        using var client = Client();
        var query = new CostQuery { GroupBy = new[] { GroupDimension.Parse(dimension) } };
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => new CostExplorerSource(client).QueryAsync(query, new Log(), CancellationToken.None));
        Assert.Equal(ErrorIds.CostExplorerCannotGroupBy, e.ErrorId);
        Assert.Contains("iamPrincipal/", e.Message);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Wrong_secret_fails_the_signature_check_without_leaking_it()
    {
        using var client = Client(secret: "not-the-secret-key-000000000000000000000");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            new CostExplorerSource(client).QueryAsync(new CostQuery { GroupBy = new[] { GroupDimension.Parse("Model") } }, new Log(), CancellationToken.None));
        Assert.Equal(ErrorIds.AwsAccessDenied, e.ErrorId);
        Assert.DoesNotContain("not-the-secret", e.Message);
        Assert.Contains("signature", _server.Requests.Single().Problem);
    }

    [Fact]
    public async Task Throttling_beyond_the_attempts_is_AwsThrottled()
    {
        using var server = new FakeCostExplorer.FakeCostExplorer { ThrottleFirst = 100 };
        server.Start();
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: server.AccessKey, SecretKey: server.SecretKey, EndpointUrl: server.Url.ToString()));
        var delays = new List<TimeSpan>();
        using var client = CostExplorerSource.CreateClient(conn, new AwsJsonClientOptions
        {
            MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1), Delay = (d, _) => { delays.Add(d); return Task.CompletedTask; },
        });
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            new CostExplorerSource(client).QueryAsync(new CostQuery { BillingPeriods = new[] { "2026-06" }, GroupBy = new[] { GroupDimension.Parse("Model") } }, new Log(), CancellationToken.None));
        Assert.Equal(ErrorIds.AwsThrottled, e.ErrorId);
        Assert.Equal(3, server.Requests.Count(r => r.Target.EndsWith("GetCostAndUsage")));
        // Full jitter: each wait is within [0, base * 2^(n-1)].
        Assert.Equal(2, delays.Count);
        Assert.InRange(delays[0].TotalMilliseconds, 0, 1000);
        Assert.InRange(delays[1].TotalMilliseconds, 0, 2000);
    }

    [Fact]
    public async Task Session_token_is_signed_and_sent()
    {
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: _server.AccessKey, SecretKey: _server.SecretKey, SessionToken: "tok", EndpointUrl: _server.Url.ToString()));
        using var client = CostExplorerSource.CreateClient(conn);
        var res = await client.InvokeAsync("ListCostAllocationTags", new System.Text.Json.Nodes.JsonObject(), CancellationToken.None);
        Assert.Equal(2, res.GetProperty("CostAllocationTags").GetArrayLength());
        Assert.Null(_server.Requests.Single().Problem);
    }

    [Fact]
    public void Default_period_is_the_current_month_to_date()
    {
        using var client = Client();
        var source = new CostExplorerSource(client, () => new DateTime(2026, 7, 15, 10, 0, 0, DateTimeKind.Utc));
        var p = source.TimePeriods(new CostQuery());
        Assert.Equal((new DateTime(2026, 7, 1), new DateTime(2026, 7, 16)), (p.Single().From, p.Single().To));
    }
}
