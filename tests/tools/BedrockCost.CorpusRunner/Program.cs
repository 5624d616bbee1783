using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;

// One corpus case: the request (a JSON file named by the only argument) says what to read; the outcome goes to
// stdout as JSON, with this process's peak working set, which is the case's own (nothing else ran here).
var request = JsonNode.Parse(File.ReadAllText(args[0]))!.AsObject();
var ctx = new Collecting();
var output = new JsonObject();
try
{
    switch ((string?)request["kind"] ?? "query")
    {
        case "mapping":
            var mapping = CostCenterMapping.Load((string)request["mapping"]!);
            output["rules"] = mapping.Rules.Count;
            break;
        case "inspect":
        {
            using var source = Source(request);
            var exports = await ExportInspector.InspectAsync(source, ctx, CancellationToken.None);
            output["exports"] = exports.Count;
            output["files"] = exports.Sum(e => e.Files);
            break;
        }
        default:
        {
            using var source = Source(request);
            var query = new CostQuery
            {
                BillingPeriods = request["billingPeriods"]?.AsArray().Select(p => (string)p!).ToArray() ?? Array.Empty<string>(),
            };
            var result = await source.QueryAsync(query, ctx, CancellationToken.None);
            output["totals"] = new JsonArray(result.BedrockTotals.Select(t => (JsonNode)new JsonObject
            {
                ["currency"] = t.Currency,
                ["unblended"] = t.UnblendedCost.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["net"] = t.NetUnblendedCost.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["lineItems"] = t.LineItems,
            }).ToArray());
            output["rowsSum"] = result.Rows.Sum(r => r.Cost).ToString(System.Globalization.CultureInfo.InvariantCulture);
            output["lineItemsLeftOut"] = result.LineItemsLeftOut;
            output["filesRead"] = result.FilesRead;
            output["periods"] = string.Join(",", result.BillingPeriods);
            output["reconciliation"] = result.ReconciliationText();
            break;
        }
    }
    output["outcome"] = "result";
}
catch (BedrockCostException e)
{
    output["outcome"] = "error";
    output["errorId"] = e.ErrorId;
    output["kind"] = e.Kind.ToString();
    output["message"] = e.Message;
}
catch (Exception e)
{
    // Anything else is what the cmdlets' boundary would call UnexpectedError: the test fails on it.
    output["outcome"] = "unexpected";
    output["message"] = e.ToString();
}
output["warnings"] = new JsonArray(ctx.Warnings.Select(w => (JsonNode)w).ToArray());
output["errors"] = new JsonArray(ctx.Errors.Select(e => (JsonNode)new JsonObject { ["errorId"] = e.ErrorId, ["kind"] = e.Kind.ToString(), ["message"] = e.Message }).ToArray());
output["peakWorkingSet"] = Process.GetCurrentProcess().PeakWorkingSet64;
Console.WriteLine(output.ToJsonString());
return 0;

static CurSource Source(JsonObject request)
{
    if (request["s3"] is JsonObject s3)
    {
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(Region: "us-east-1", AccessKey: "AKIDCORPUS", SecretKey: "corpus-secret", EndpointUrl: (string)s3["endpoint"]!));
        var cache = s3["cache"] is { } dir ? new DownloadCache((string)dir!) : null;
        return new CurSource(new S3CachedStore(S3Location.Parse((string)s3["uri"]!), connection, cache));
    }
    return CurSource.Local(request["paths"]!.AsArray().Select(p => (string)p!).ToArray());
}

sealed class Collecting : IOperationContext
{
    public List<string> Warnings { get; } = new();
    public List<BedrockCostException> Errors { get; } = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
    public void Error(BedrockCostException error) { lock (Errors) Errors.Add(error); }
    public void Progress(ProgressReport report) { }
}
