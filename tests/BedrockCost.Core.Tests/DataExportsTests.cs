using System.Text.Json;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Cur;
using BedrockCost.Core.DataExports;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.Athena;
using BedrockCost.Core.Sources.S3;
using BedrockCost.FakeAws;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The Bedrock-only export (New-BedrockCostExport) against a local Data Exports endpoint that checks SigV4, the
/// target and the request's shape, and parses the statement with only the SQL the Data Exports guide documents.
/// The fake also delivers the export: the statement runs with DuckDB over the full sample export, and the engine
/// over that lean export gives the same rows as over the full one.
/// </summary>
public sealed class DataExportsTests : IDisposable
{
    private readonly string _delivered = Path.Combine(Path.GetTempPath(), $"bedrockcost-de-{Guid.NewGuid():N}");
    private readonly FakeDataExports _fake;

    public DataExportsTests()
    {
        _fake = new FakeDataExports { SourceExport = EngineTests.SamplePath, DeliveryRoot = Path.Combine(_delivered, "billing-bucket") };
        _fake.UnwritableBuckets.Add("no-policy-bucket");
        _fake.Start();
    }

    public void Dispose()
    {
        _fake.Dispose();
        if (Directory.Exists(_delivered)) Directory.Delete(_delivered, recursive: true);
    }

    private AwsJsonClient Client(string? secret = null)
    {
        var conn = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: _fake.AccessKey, SecretKey: secret ?? _fake.SecretKey, Region: "eu-west-1",
            EndpointUrl: _fake.Url.ToString()));
        return LeanExport.CreateClient(conn);
    }

    [Fact]
    public void The_statement_selects_exactly_the_columns_the_readers_use_and_uses_only_documented_SQL()
    {
        var select = LeanExport.QueryStatement[..LeanExport.QueryStatement.IndexOf("\nFROM", StringComparison.Ordinal)]["SELECT ".Length..];
        Assert.Equal(CurColumns.Required.Concat(CurColumns.Optional).Order(), select.Split(", ").Order());
        Assert.Equal("COST_AND_USAGE_REPORT", DataExportsSql.Check(LeanExport.QueryStatement));
        Assert.DoesNotContain("LIKE", LeanExport.QueryStatement, StringComparison.OrdinalIgnoreCase);
        // The fake's grammar refuses what the guide does not document, so its acceptance above means something.
        foreach (var bad in new[] { "SELECT a FROM T WHERE b LIKE '%x%'", "SELECT a FROM T WHERE b IS NULL", "SELECT upper(a) FROM T", "SELECT a FROM T WHERE lower(b) = 'x'" })
            Assert.Equal("ValidationException", Assert.Throws<AwsFault>(() => DataExportsSql.Check(bad)).Code);
    }

    [Fact]
    public async Task CreateExport_sends_the_documented_request_and_returns_the_ARN_and_settings()
    {
        using var client = Client();
        var def = await LeanExport.CreateAsync(client, "bedrock-cur", S3Location.Parse("s3://billing-bucket/cur/"), "eu-west-1", null, default);

        Assert.StartsWith("arn:aws:bcm-data-exports:us-east-1:", def.ExportArn);
        Assert.Equal("s3://billing-bucket/cur/bedrock-cur", def.S3Uri);
        Assert.Equal("eu-west-1", def.S3Region);
        Assert.Equal("TRUE", def.TableConfigurations["INCLUDE_IAM_PRINCIPAL_DATA"]);
        Assert.Equal("DAILY", def.TableConfigurations["TIME_GRANULARITY"]);
        var request = Assert.Single(_fake.Requests);
        Assert.Null(request.Problem);
        Assert.Equal(200, request.Status);
        Assert.Equal("AWSBillingAndCostManagementDataExports.CreateExport", request.Target);
        using var body = JsonDocument.Parse(request.Body);
        var export = body.RootElement.GetProperty("Export");
        Assert.Equal(LeanExport.QueryStatement, export.GetProperty("DataQuery").GetProperty("QueryStatement").GetString());
        var s3 = export.GetProperty("DestinationConfigurations").GetProperty("S3Destination");
        Assert.Equal("billing-bucket", s3.GetProperty("S3Bucket").GetString());
        Assert.Equal("cur", s3.GetProperty("S3Prefix").GetString());
        var output = s3.GetProperty("S3OutputConfigurations");
        Assert.Equal("PARQUET", output.GetProperty("Format").GetString());
        Assert.Equal("PARQUET", output.GetProperty("Compression").GetString());
        Assert.Equal("OVERWRITE_REPORT", output.GetProperty("Overwrite").GetString());
        Assert.Equal("SYNCHRONOUS", export.GetProperty("RefreshCadence").GetProperty("Frequency").GetString());
    }

    [Fact]
    public async Task A_bucket_billing_cannot_write_to_is_a_clear_error_with_the_APIs_message()
    {
        using var client = Client();
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            LeanExport.CreateAsync(client, "bedrock-cur", S3Location.Parse("s3://no-policy-bucket/cur"), "us-east-1", null, default));
        Assert.Equal(ErrorIds.DataExportsBucketNotWritable, e.ErrorId);
        Assert.Contains("Failed to write to the S3 bucket no-policy-bucket", e.Message); // the API's own words
        Assert.Contains("bcm-data-exports.amazonaws.com", e.Message);
        Assert.Contains("s3:PutObject", e.Message);
    }

    [Fact]
    public async Task A_wrong_signature_is_access_denied_without_the_secret()
    {
        using var client = Client(secret: "not-the-secret");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            LeanExport.CreateAsync(client, "bedrock-cur", S3Location.Parse("s3://billing-bucket/cur"), "us-east-1", null, default));
        Assert.Equal(ErrorIds.AwsAccessDenied, e.ErrorId);
        Assert.DoesNotContain("not-the-secret", e.Message);
    }

    [Fact]
    public async Task Get_BedrockCostExport_suggests_the_lean_export_for_a_full_width_one_only()
    {
        using var client = Client();
        await LeanExport.CreateAsync(client, "bedrock-lean", S3Location.Parse("s3://billing-bucket/cur"), "us-east-1", null, default);
        var full = Assert.Single(await ExportInspector.InspectAsync(CurSource.Local(new[] { EngineTests.SamplePath }), NullOperationContext.Instance, default));
        var lean = Assert.Single(await ExportInspector.InspectAsync(CurSource.Local(new[] { Path.Combine(_delivered, "billing-bucket", "cur", "bedrock-lean") }),
            NullOperationContext.Instance, default));

        Assert.True(full.Columns > 100, $"{full.Columns} columns");
        Assert.Contains("New-BedrockCostExport", full.Suggestion);
        Assert.Equal(LeanExport.Columns.Count, lean.Columns);
        Assert.Null(lean.Suggestion);
        Assert.Empty(lean.Problems);
    }

    [Theory]
    [InlineData("Principal")]
    [InlineData("Model, TokenType")]
    [InlineData("iamPrincipal/team, Day")]
    public async Task The_delivered_lean_export_gives_the_same_rows_as_the_full_export(string groupBy)
    {
        using var client = Client();
        var def = await LeanExport.CreateAsync(client, "bedrock-lean", S3Location.Parse("s3://billing-bucket/cur"), "us-east-1", null, default);
        var lean = Path.Combine(_delivered, "billing-bucket", "cur", def.ExportName);
        var query = new CostQuery
        {
            BillingPeriods = new[] { "2026-05", "2026-06" },
            GroupBy = groupBy.Split(',').Select(g => GroupDimension.Parse(g.Trim())).ToArray(),
            IncludeAgentCore = true,
        };
        var full = await CurSource.Local(new[] { EngineTests.SamplePath }).QueryAsync(query, NullOperationContext.Instance, default);
        var fromLean = await CurSource.Local(new[] { lean }).QueryAsync(query, NullOperationContext.Instance, default);

        Assert.Equal(full.BedrockTotals.Select(t => (t.Currency, t.UnblendedCost, t.NetUnblendedCost, t.LineItems)),
            fromLean.BedrockTotals.Select(t => (t.Currency, t.UnblendedCost, t.NetUnblendedCost, t.LineItems)));
        Assert.Equal(full.Rows.Count, fromLean.Rows.Count);
        foreach (var (a, b) in full.Rows.Zip(fromLean.Rows))
        {
            Assert.Equal(a.Group, b.Group);
            Assert.Equal((a.UnblendedCost, a.NetUnblendedCost, a.InputTokens, a.OutputTokens, a.LineItemCount, a.UnattributedReason),
                (b.UnblendedCost, b.NetUnblendedCost, b.InputTokens, b.OutputTokens, b.LineItemCount, b.UnattributedReason));
        }
        // The lean export is a fraction of the full one: the non-Bedrock noise is gone.
        Assert.True(fromLean.RowsScanned * 2 < full.RowsScanned, $"{fromLean.RowsScanned} rows of {full.RowsScanned}");
    }
}
