using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources.Athena;
using BedrockCost.FakeAws;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The Athena client against the local fake (tests/tools/BedrockCost.FakeAws): SigV4-checked JSON 1.1, a query
/// QUEUED, then RUNNING, then executed by DuckDB over the sample export; results in pages; one throttled call;
/// a FAILED query; Ctrl+C stopping a running query. Nothing here waits on a clock: the fake advances a query by
/// status checks, and the polling waits are recorded, not slept.
/// </summary>
public sealed class AthenaClientTests : IDisposable
{
    internal const string Database = "cid_data_export", Table = "cur2";
    private readonly FakeAthena _fake = new("eu-west-1") { PageSize = 7 };
    private readonly List<TimeSpan> _waits = new();

    public AthenaClientTests()
    {
        _fake.AddExport(Database, Table, EngineTests.SamplePath);
        _fake.AddExport(Database, "broken", EngineTests.SamplePath);
        _fake.AddExport(Database, "slow", EngineTests.SamplePath);
        _fake.FailingTables.Add("broken");
        _fake.HangingTables.Add("slow");
        _fake.Start();
    }

    public void Dispose() => _fake.Dispose();

    internal static AthenaClient Client(JsonProtocolServer fake, List<TimeSpan>? waits = null)
    {
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: fake.AccessKey, SecretKey: fake.SecretKey, Region: fake.Region,
            EndpointUrl: fake.Url.ToString()));
        return new AthenaClient(AthenaClient.CreateJsonClient(conn, new AwsJsonClientOptions { Delay = (_, _) => Task.CompletedTask }),
            new AthenaClientOptions { Delay = (d, _) => { lock (waits ?? new()) waits?.Add(d); return Task.CompletedTask; } });
    }

    internal static AthenaSettings Settings(string table = Table, string workGroup = "primary", string? output = null) =>
        new(AthenaTable.Create(null, Database, table), workGroup, output);

    private sealed class Log : IOperationContext
    {
        public readonly List<string> Messages = new();
        public void Verbose(string m) { lock (Messages) Messages.Add("V: " + m); }
        public void Debug(string m) { lock (Messages) Messages.Add("D: " + m); }
        public void Warning(string m) { lock (Messages) Messages.Add("W: " + m); }
        public void Progress(ProgressReport r) { lock (Messages) Messages.Add("P: " + r.Status); }
    }

    [Fact]
    public async Task A_query_is_queued_then_running_then_succeeds_with_backoff_between_checks()
    {
        using var client = Client(_fake, _waits);
        var log = new Log();
        var execution = await client.ExecuteAsync("SELECT billing_period, COUNT(*) AS n FROM \"cid_data_export\".\"cur2\" GROUP BY 1", Settings(), log, default);

        var checks = _fake.Requests.Where(r => r.Target == "AmazonAthena.GetQueryExecution").ToList();
        Assert.Equal(3, checks.Count);
        Assert.Contains(log.Messages, m => m.Contains(": QUEUED"));
        Assert.Contains(log.Messages, m => m.Contains(": RUNNING"));
        // Two waits, the second longer: backoff, not a fixed interval.
        Assert.Equal(2, _waits.Count);
        Assert.True(_waits[1] > _waits[0]);
        Assert.All(_fake.Requests, r => Assert.Null(r.Problem));
        Assert.True(execution.DataScannedBytes > 0);
        var start = _fake.Requests.Single(r => r.Target == "AmazonAthena.StartQueryExecution").Body;
        Assert.Contains("\"WorkGroup\":\"primary\"", start);
        Assert.Contains("\"Catalog\":\"AwsDataCatalog\"", start);
        Assert.Contains("\"Database\":\"cid_data_export\"", start);
        Assert.Matches("\"ClientRequestToken\":\"[0-9a-f]{32}\"", start);
    }

    [Fact]
    public async Task Results_are_read_page_by_page_after_one_throttled_call_and_match_DuckDB_counts()
    {
        using var client = Client(_fake);
        var sql = "SELECT line_item_usage_type AS usage_type, COUNT(*) AS n FROM \"cid_data_export\".\"cur2\" WHERE billing_period = '2026-05' GROUP BY 1";
        var execution = await client.ExecuteAsync(sql, Settings(), NullOperationContext.Instance, default);
        var rows = new List<string?[]>();
        await foreach (var row in client.ReadRowsAsync(execution.QueryId, new[] { "n", "usage_type" }, default)) rows.Add(row);

        var pages = _fake.Requests.Where(r => r.Target == "AmazonAthena.GetQueryResults").ToList();
        Assert.Equal(400, pages[0].Status); // ThrottlingException, retried
        Assert.True(pages.Count(p => p.Status == 200) >= 3);
        Assert.Contains(pages, p => p.Body.Contains("NextToken"));
        // Every usage type once, the header not among them, and the counts add up to the rows of the period.
        Assert.Equal(rows.Count, rows.Select(r => r[1]).Distinct().Count());
        Assert.DoesNotContain(rows, r => r[1] == "usage_type");
        var total = rows.Sum(r => long.Parse(r[0]!));
        Assert.Equal(_fake.Queries.Single().Rows, rows.Count);
        Assert.True(total > 100);
    }

    [Fact]
    public async Task A_failed_query_is_an_error_with_Athenas_reason()
    {
        using var client = Client(_fake);
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            client.ExecuteAsync("SELECT COUNT(*) FROM \"cid_data_export\".\"broken\"", Settings("broken"), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AthenaQueryFailed, e.ErrorId);
        Assert.Contains("HIVE_BAD_DATA", e.Message);
        Assert.Contains(_fake.Queries.Single().Id, e.Message);
    }

    [Fact]
    public async Task Cancelling_while_the_query_runs_stops_it_in_Athena()
    {
        using var client = Client(_fake);
        using var cts = new CancellationTokenSource();
        // "Ctrl+C" once Athena has reported the query RUNNING (the second status check), not after some time.
        _fake.Answered += r => { if (r.Target == "AmazonAthena.GetQueryExecution" && _fake.Requests.Count(x => x.Target == r.Target) == 2) cts.Cancel(); };
        var log = new Log();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.ExecuteAsync("SELECT COUNT(*) FROM \"cid_data_export\".\"slow\"", Settings("slow"), log, cts.Token));

        var stop = _fake.Requests.Single(r => r.Target == "AmazonAthena.StopQueryExecution");
        Assert.Equal(200, stop.Status);
        Assert.Equal("CANCELLED", _fake.Queries.Single().State);
        Assert.Contains(log.Messages, m => m.StartsWith("V: Stopped Athena query"));
    }

    [Fact]
    public async Task Without_a_result_location_the_error_says_to_pass_OutputLocation()
    {
        using var client = Client(_fake);
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            client.ExecuteAsync("SELECT 1", Settings(workGroup: "bare"), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AthenaOutputLocationRequired, e.ErrorId);
        Assert.Contains("-OutputLocation", e.Message);

        var ok = await client.ExecuteAsync("SELECT 1 AS one", Settings(workGroup: "bare", output: "s3://results/athena/"), NullOperationContext.Instance, default);
        Assert.NotEmpty(ok.QueryId);
        Assert.Contains("\"OutputLocation\":\"s3://results/athena/\"", _fake.Requests.Last(r => r.Target.EndsWith("StartQueryExecution")).Body);
    }

    [Fact]
    public async Task Table_metadata_gives_columns_and_the_billing_period_partition_and_a_missing_table_is_named()
    {
        using var client = Client(_fake);
        var schema = await client.GetTableSchemaAsync(Settings(), default);
        Assert.True(schema.HasPeriodPartition);
        Assert.True(schema.Has("line_item_iam_principal"));
        Assert.True(schema.Has("tags"));
        Assert.Empty(schema.MissingRequired);

        var e = await Assert.ThrowsAsync<BedrockCostException>(() => client.GetTableSchemaAsync(Settings("nope"), default));
        Assert.Equal(ErrorIds.AthenaTableNotFound, e.ErrorId);
        Assert.Contains("-Table", e.Message);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_by_the_fake_and_reported_as_access_denied()
    {
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: _fake.AccessKey, SecretKey: "wrong", Region: _fake.Region, EndpointUrl: _fake.Url.ToString()));
        using var client = new AthenaClient(AthenaClient.CreateJsonClient(conn));
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => client.GetTableSchemaAsync(Settings(), default));
        Assert.Equal(ErrorIds.AwsAccessDenied, e.ErrorId);
        Assert.DoesNotContain("wrong", e.Message);
        Assert.StartsWith("signature", _fake.Requests.Single().Problem);
    }

    [Theory]
    [InlineData(0L, 10L << 20)]                 // nothing scanned: the 10 MB minimum
    [InlineData((10L << 20) + 1, 11L << 20)]    // rounded up to the next megabyte
    [InlineData(1L << 40, 1L << 40)]            // one terabyte: $5
    public void The_price_is_5_dollars_per_TB_rounded_up_to_the_MB_with_a_10_MB_minimum(long scanned, long billed)
    {
        var e = new AthenaExecution("q", scanned, 0);
        Assert.Equal(billed, e.BilledBytes);
        Assert.Equal(billed * 5m / (1L << 40), e.Price);
        Assert.Contains("$5 per TB", e.Describe());
    }
}
