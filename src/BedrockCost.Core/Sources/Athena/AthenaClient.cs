using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.Athena;

/// <summary>Where and how queries run: the workgroup, the catalog and database, and an optional result location.</summary>
public sealed record AthenaSettings(AthenaTable Table, string WorkGroup, string? OutputLocation);

/// <summary>Polling settings; tests replace the wait.</summary>
public sealed class AthenaClientOptions
{
    public TimeSpan FirstPoll { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxPoll { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Waits between GetQueryExecution calls.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;
    /// <summary>Rows per GetQueryResults page (the API allows up to 1000).</summary>
    public int PageSize { get; init; } = 1000;
}

/// <summary>A finished query: its id, what it scanned, and what that costs.</summary>
public sealed record AthenaExecution(string QueryId, long DataScannedBytes, long EngineMilliseconds)
{
    /// <summary>Athena's on-demand price: $5 per TB scanned, rounded up to the megabyte, at least 10 MB per query.</summary>
    public const decimal PricePerTerabyte = 5m;
    private const long Megabyte = 1L << 20;
    private const long Terabyte = 1L << 40;

    public long BilledBytes => Math.Max(10 * Megabyte, (DataScannedBytes + Megabyte - 1) / Megabyte * Megabyte);
    public decimal Price => BilledBytes * PricePerTerabyte / Terabyte;

    public string Describe() =>
        $"Athena query {QueryId}: {Size(DataScannedBytes)} scanned, billed {Size(BilledBytes)} = ${Price.ToString("0.000000", CultureInfo.InvariantCulture)} " +
        $"at ${PricePerTerabyte} per TB scanned (10 MB minimum per query); engine time {EngineMilliseconds} ms.";

    private static string Size(long bytes) => bytes >= Megabyte
        ? (bytes / (double)Megabyte).ToString("0.0", CultureInfo.InvariantCulture) + " MB"
        : bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
}

/// <summary>
/// Amazon Athena over the JSON 1.1 protocol (target prefix AmazonAthena, signing name athena): table metadata,
/// StartQueryExecution, GetQueryExecution polled with backoff until the query leaves QUEUED and RUNNING,
/// GetQueryResults page by page. A cancelled wait stops the query (StopQueryExecution), so Ctrl+C does not leave
/// it scanning and billing. Throttling is retried by <see cref="AwsJsonClient"/>.
/// </summary>
public sealed class AthenaClient : IDisposable
{
    private readonly AwsJsonClient _client;
    private readonly AthenaClientOptions _options;

    public AthenaClient(AwsJsonClient client, AthenaClientOptions? options = null)
    {
        _client = client;
        _options = options ?? new AthenaClientOptions();
    }

    public static AwsJsonClient CreateJsonClient(AwsConnection connection, AwsJsonClientOptions? options = null) =>
        new(connection.Credentials, "athena", connection.Region, "AmazonAthena",
            new Uri(connection.EndpointUrl ?? $"https://athena.{connection.Region}.amazonaws.com"), options, MapError);

    public Uri Endpoint => _client.Endpoint;

    /// <summary>The table's columns and partition keys as Glue declares them.</summary>
    public async Task<AthenaTableSchema> GetTableSchemaAsync(AthenaSettings settings, CancellationToken ct)
    {
        var t = settings.Table;
        var res = await _client.InvokeAsync("GetTableMetadata", new JsonObject
        {
            ["CatalogName"] = t.Catalog, ["DatabaseName"] = t.Database, ["TableName"] = t.Table, ["WorkGroup"] = settings.WorkGroup,
        }, ct).ConfigureAwait(false);
        if (!res.TryGetProperty("TableMetadata", out var meta))
            throw BadResponse("GetTableMetadata", "no TableMetadata");
        static IEnumerable<string> Names(JsonElement meta, string property) =>
            meta.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(c => Text(c, "Name")).OfType<string>().Where(n => n.Length > 0)
                : Enumerable.Empty<string>();
        return new AthenaTableSchema(Names(meta, "Columns"), Names(meta, "PartitionKeys"));
    }

    /// <summary>
    /// Runs a statement to completion and returns its id and statistics; <paramref name="ct"/> cancelled while it runs
    /// stops it in Athena. A FAILED or CANCELLED query is an error carrying Athena's reason.
    /// </summary>
    public async Task<AthenaExecution> ExecuteAsync(string sql, AthenaSettings settings, IOperationContext ctx, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["QueryString"] = sql,
            // Idempotent start: a retried request cannot start (and bill) the query twice.
            ["ClientRequestToken"] = Guid.NewGuid().ToString("N"),
            ["QueryExecutionContext"] = new JsonObject { ["Catalog"] = settings.Table.Catalog, ["Database"] = settings.Table.Database },
            ["WorkGroup"] = settings.WorkGroup,
        };
        if (settings.OutputLocation is { } output) request["ResultConfiguration"] = new JsonObject { ["OutputLocation"] = output };
        var started = await _client.InvokeAsync("StartQueryExecution", request, ct).ConfigureAwait(false);
        var id = started.TryGetProperty("QueryExecutionId", out var qid) ? qid.GetString() : null;
        if (string.IsNullOrEmpty(id)) throw BadResponse("StartQueryExecution", "no QueryExecutionId");
        ctx.Debug($"Athena query {id} started in workgroup {settings.WorkGroup}:\n{sql}");
        try
        {
            return await WaitAsync(id, ctx, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopAsync(id, ctx).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<AthenaExecution> WaitAsync(string id, IOperationContext ctx, CancellationToken ct)
    {
        var wait = _options.FirstPoll;
        for (var polls = 1; ; polls++)
        {
            var res = await _client.InvokeAsync("GetQueryExecution", new JsonObject { ["QueryExecutionId"] = id }, ct).ConfigureAwait(false);
            if (!res.TryGetProperty("QueryExecution", out var q) || !q.TryGetProperty("Status", out var status))
                throw BadResponse("GetQueryExecution", "no QueryExecution.Status");
            var state = Text(status, "State");
            switch (state)
            {
                case "SUCCEEDED":
                    ctx.Progress(new ProgressReport(2, "Athena query", "Done", 100, Completed: true));
                    return new AthenaExecution(id, Number(q, "DataScannedInBytes"), Number(q, "EngineExecutionTimeInMillis"));
                case "FAILED":
                case "CANCELLED":
                    ctx.Progress(new ProgressReport(2, "Athena query", state, 100, Completed: true));
                    throw Failed(id, state, status);
                case "QUEUED":
                case "RUNNING":
                    ctx.Progress(new ProgressReport(2, "Athena query", $"{id}: {state} ({polls} status checks)", 0));
                    break;
                default:
                    throw BadResponse("GetQueryExecution", $"unknown state '{state}'");
            }
            await _options.Delay(wait, ct).ConfigureAwait(false);
            wait = TimeSpan.FromTicks(Math.Min(_options.MaxPoll.Ticks, wait.Ticks * 2));
        }
    }

    /// <summary>Stops a query after Ctrl+C; best effort, with its own short deadline (the command's token is cancelled).</summary>
    private async Task StopAsync(string id, IOperationContext ctx)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _client.InvokeAsync("StopQueryExecution", new JsonObject { ["QueryExecutionId"] = id }, deadline.Token).ConfigureAwait(false);
            ctx.Verbose($"Stopped Athena query {id}.");
        }
        catch (Exception e) when (e is BedrockCostException or OperationCanceledException)
        {
            ctx.Warning($"Could not stop Athena query {id} ({e.Message}); it may run on and be billed until it ends. Stop it in the Athena console.");
        }
    }

    /// <summary>
    /// The result rows, page by page (the first row of the first page is the header and is checked against the
    /// column names asked for). A value is null where Athena returns no VarCharValue (SQL NULL).
    /// </summary>
    public async IAsyncEnumerable<string?[]> ReadRowsAsync(string id, IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        var first = true;
        int[]? order = null;
        do
        {
            var req = new JsonObject { ["QueryExecutionId"] = id, ["MaxResults"] = _options.PageSize };
            if (token is not null) req["NextToken"] = token;
            var res = await _client.InvokeAsync("GetQueryResults", req, ct).ConfigureAwait(false);
            if (!res.TryGetProperty("ResultSet", out var set)) throw BadResponse("GetQueryResults", "no ResultSet");
            order ??= ColumnOrder(set, columns);
            if (set.TryGetProperty("Rows", out var rows))
                foreach (var row in rows.EnumerateArray())
                {
                    var data = row.TryGetProperty("Data", out var d) ? d.EnumerateArray().ToArray() : Array.Empty<JsonElement>();
                    if (data.Length != order.Length) throw BadResponse("GetQueryResults", $"a row has {data.Length} values for {order.Length} columns");
                    if (first) { first = false; continue; } // the header row
                    var values = new string?[columns.Count];
                    for (var i = 0; i < order.Length; i++)
                        if (order[i] >= 0 && data[i].TryGetProperty("VarCharValue", out var v)) values[order[i]] = v.GetString();
                    yield return values;
                }
            token = res.TryGetProperty("NextToken", out var next) && next.ValueKind == JsonValueKind.String && next.GetString() is { Length: > 0 } t ? t : null;
        } while (token is not null);
    }

    /// <summary>For each result column, its index among <paramref name="columns"/> (by name, from ResultSetMetadata).</summary>
    private static int[] ColumnOrder(JsonElement set, IReadOnlyList<string> columns)
    {
        if (!set.TryGetProperty("ResultSetMetadata", out var meta) || !meta.TryGetProperty("ColumnInfo", out var info))
            throw BadResponse("GetQueryResults", "no ResultSetMetadata.ColumnInfo");
        var names = info.EnumerateArray().Select(c => Text(c, "Name") ?? string.Empty).ToArray();
        var missing = columns.Where(c => !names.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count > 0) throw BadResponse("GetQueryResults", $"the result lacks the column(s) {string.Join(", ", missing)}");
        return names.Select(n => columns.ToList().FindIndex(c => c.Equals(n, StringComparison.OrdinalIgnoreCase))).ToArray();
    }

    private static BedrockCostException Failed(string id, string state, JsonElement status)
    {
        var reason = Text(status, "StateChangeReason");
        var error = status.TryGetProperty("AthenaError", out var e) ? e : default;
        var type = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("ErrorType", out var t) && t.TryGetInt32(out var n) ? n : (int?)null;
        var message = reason ?? (error.ValueKind == JsonValueKind.Object ? Text(error, "ErrorMessage") : null) ?? "no reason given";
        if (state == "CANCELLED")
            return new(ErrorIds.AthenaQueryCancelled, ErrorKind.OperationTimeout,
                $"Athena query {id} was cancelled before it finished ({message}); someone stopped it or the workgroup's data limit was reached. Run the command again.", id);
        var hint = message switch
        {
            var m when m.Contains("TABLE_NOT_FOUND", StringComparison.Ordinal) || m.Contains("SCHEMA_NOT_FOUND", StringComparison.Ordinal) =>
                " Check -Catalog, -Database and -Table.",
            var m when m.Contains("Access Denied", StringComparison.OrdinalIgnoreCase) || m.Contains("AccessDenied", StringComparison.Ordinal) || m.Contains("Permission denied", StringComparison.OrdinalIgnoreCase) =>
                " The credentials need s3:GetObject and s3:ListBucket on the CUR data, and s3:PutObject and s3:GetBucketLocation on the query result location.",
            var m when m.Contains("Bytes scanned limit", StringComparison.OrdinalIgnoreCase) =>
                " The workgroup's per-query data limit stopped it: narrow the period or raise the limit.",
            _ => string.Empty,
        };
        return new(ErrorIds.AthenaQueryFailed, ErrorKind.InvalidOperation,
            $"Athena query {id} failed{(type is { } et ? $" (error type {et})" : string.Empty)}: {message}.{hint}", id);
    }

    /// <summary>Athena's own error answers: a missing table, a missing result location, and permissions.</summary>
    private static BedrockCostException? MapError(AwsServiceError e)
    {
        var what = $"{e.Code}{(e.Message.Length > 0 ? ": " + e.Message : string.Empty)}";
        if (e.Operation == "GetTableMetadata" && (e.Code == "MetadataException" || e.Message.Contains("not found", StringComparison.OrdinalIgnoreCase)))
            return new(ErrorIds.AthenaTableNotFound, ErrorKind.NotFound,
                $"Athena cannot find the table ({what}). Check -Catalog, -Database and -Table (defaults: the Cloud Intelligence Dashboards' " +
                $"{AthenaTable.DefaultCatalog}, {AthenaTable.DefaultDatabase}, {AthenaTable.DefaultTable}) and -Region.", e.Operation);
        if (e.Code == "InvalidRequestException" && e.Message.Contains("output location", StringComparison.OrdinalIgnoreCase))
            return new(ErrorIds.AthenaOutputLocationRequired, ErrorKind.InvalidArgument,
                $"Athena needs a place for query results ({what}). Pass -OutputLocation s3://bucket/prefix/ or use a workgroup that sets one.", e.Operation);
        if (e.Status == 403 || e.Code is "AccessDeniedException" or "UnrecognizedClientException")
            return new(ErrorIds.AwsAccessDenied, ErrorKind.PermissionDenied,
                $"Access denied calling Athena {e.Operation}: {what} (HTTP {e.Status}). The credentials need athena:StartQueryExecution, athena:GetQueryExecution, " +
                "athena:GetQueryResults, athena:StopQueryExecution and athena:GetTableMetadata on the workgroup, glue:GetTable and glue:GetPartitions on the table, " +
                "and S3 read on the CUR data and write on the result location. Run with -Debug to see which credentials were used.", e.Operation);
        if (e.Code == "InvalidRequestException")
            return new(ErrorIds.AthenaQueryFailed, ErrorKind.InvalidOperation, $"Athena rejected {e.Operation}: {what}.", e.Operation);
        return null;
    }

    private static BedrockCostException BadResponse(string operation, string what) =>
        new(ErrorIds.AthenaBadResponse, ErrorKind.InvalidData, $"Athena's {operation} answer is not as documented: {what}.", operation);

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Number(JsonElement q, string name) =>
        q.TryGetProperty("Statistics", out var s) && s.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    public void Dispose() => _client.Dispose();
}
