using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using DuckDB.NET.Data;

namespace BedrockCost.Benchmark;

/// <summary>What one measured run reports (printed by a child process as one JSON line).</summary>
public sealed record RunResult(string Engine, string Grouping, double Seconds, decimal Total, int Groups, long PeakBytes, long RowsScanned);

/// <summary>The two groupings the benchmark times.</summary>
public static class Groupings
{
    public const string Principal = "Principal";
    public const string PrincipalModelToken = "Principal,Model,TokenType";
    public static readonly string[] All = [Principal, PrincipalModelToken];
}

/// <summary>
/// Child-process measurements: one query, then the process's peak resident memory. Each runs in a fresh
/// process so that the peak belongs to that query alone.
/// </summary>
public static class Measure
{
    /// <summary>Peak resident set (VmHWM on Linux).</summary>
    public static long PeakBytes()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    /// <summary>The module's engine in-process, as the cmdlet runs it (CurSource.Local + CostQuery).</summary>
    public static async Task<RunResult> EngineAsync(string path, string grouping)
    {
        var query = new CostQuery { GroupBy = grouping.Split(',').Select(GroupDimension.Parse).ToArray() };
        var sw = Stopwatch.StartNew();
        var result = await CurSource.Local([path]).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        sw.Stop();
        if (Environment.GetEnvironmentVariable("BENCH_GCINFO") == "1")
        {
            var gi = GC.GetGCMemoryInfo();
            Console.Error.WriteLine($"gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} heap {gi.HeapSizeBytes >> 20} MiB committed {gi.TotalCommittedBytes >> 20} MiB " +
                $"frag {gi.FragmentedBytes >> 20} MiB alloc {GC.GetTotalAllocatedBytes() >> 20} MiB pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms " +
                $"live after full GC {GC.GetTotalMemory(true) >> 20} MiB gen sizes {string.Join(",", gi.GenerationInfo.ToArray().Select(g => (g.SizeAfterBytes >> 20).ToString(CultureInfo.InvariantCulture)))}");
        }
        var total = result.Rows.Sum(r => r.UnblendedCost);
        var bedrock = result.BedrockTotals.Sum(t => t.UnblendedCost);
        if (total != bedrock) throw new InvalidOperationException($"rows sum {total} differs from the Bedrock total {bedrock}");
        return new RunResult("engine", grouping, sw.Elapsed.TotalSeconds, total, result.Rows.Count, PeakBytes(), result.RowsScanned);
    }

    /// <summary>
    /// Peak live managed memory of the engine's query: sampled every few milliseconds with a full collection, so
    /// garbage awaiting the next GC does not count (the query runs slower; its time is not reported). A measurement
    /// for the report, not a check: whether a sample lands on the peak depends on timing.
    /// </summary>
    public static async Task<RunResult> LiveAsync(string path, string grouping)
    {
        var query = new CostQuery { GroupBy = grouping.Split(',').Select(GroupDimension.Parse).ToArray() };
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            long max = 0;
            while (!done.IsCancellationRequested)
            {
                max = Math.Max(max, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(5);
            }
            return max;
        });
        var result = await CurSource.Local([path]).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        done.Cancel();
        var peak = await sampler;
        return new RunResult("live", grouping, 0, result.Rows.Sum(r => r.UnblendedCost), result.Rows.Count, peak, result.RowsScanned);
    }

    /// <summary>Every row and total of a query, exactly, to compare two builds of the engine.</summary>
    public static async Task DumpAsync(string path, string grouping, string model, string account)
    {
        var query = new CostQuery
        {
            GroupBy = grouping.Split(',').Select(GroupDimension.Parse).ToArray(),
            Models = model.Length > 0 ? [model] : [],
            Accounts = account.Length > 0 ? [account] : [],
        };
        var result = await CurSource.Local([path]).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        foreach (var r in result.Rows)
            Console.WriteLine(string.Join('\t', r.Group, r.Principal, r.PrincipalType, r.Person, r.Role, r.Account, r.Model, r.TokenType, r.Region,
                r.UsageType, r.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Month, string.Join(';', r.Tags.Select(t => t.Key + "=" + t.Value)),
                r.UnattributedReason, r.UnblendedCost, r.NetUnblendedCost, r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.LineItemCount, r.Currency));
        foreach (var t in result.BedrockTotals.Concat(result.SelectedTotals))
            Console.WriteLine($"total\t{t.Currency}\t{t.UnblendedCost}\t{t.NetUnblendedCost}\t{t.AttributedUnblendedCost}\t{t.LineItems}");
        Console.WriteLine($"periods {string.Join(',', result.BillingPeriods)} rows {result.RowsScanned} items {result.BedrockLineItems} unrecognised {string.Join(',', result.UnrecognisedUsageTypes)}");
    }

    /// <summary>
    /// The same question in DuckDB SQL over the same Parquet files: the module's Bedrock-row rules (first-party
    /// product codes, product family, any row with a principal, Marketplace "(Amazon Bedrock Edition)" products;
    /// AgentCore excluded), the latest billing period, grouped by principal (and an approximation of model and
    /// token type taken from the usage type).
    /// </summary>
    public static string Sql(string path, string grouping)
    {
        var glob = Path.Combine(path, "**", "*.parquet").Replace("'", "''");
        var byModel = grouping == Groupings.PrincipalModelToken;
        var keys = byModel
            ? "principal, model, token_type"
            : "principal";
        var modelColumns = byModel
            ? """
              ,
                  coalesce(nullif(product['model'], ''), nullif(product['product_name'], ''),
                           regexp_extract(line_item_usage_type, '^[A-Z0-9]+-(.+?)-(input|output|cache)', 1)) AS model,
                  CASE WHEN line_item_usage_type ILIKE '%cache-read%' THEN 'CacheRead'
                       WHEN line_item_usage_type ILIKE '%cache-write%' THEN 'CacheWrite'
                       WHEN line_item_usage_type ILIKE '%input%' THEN 'Input'
                       WHEN line_item_usage_type ILIKE '%output%' THEN 'Output'
                       ELSE 'Other' END AS token_type
              """
            : "";
        return $"""
            WITH cur AS (SELECT * FROM read_parquet('{glob}')),
            period AS (SELECT max(bill_billing_period_start_date) AS p FROM cur),
            bedrock AS (
              SELECT
                  coalesce(nullif(line_item_iam_principal, ''), '(unattributed)') AS principal,
                  line_item_unblended_cost AS cost{modelColumns}
              FROM cur
              WHERE bill_billing_period_start_date = (SELECT p FROM period)
                AND lower(line_item_product_code) <> 'amazonbedrockagentcore'
                AND (lower(line_item_product_code) IN ('amazonbedrock', 'amazonbedrockservice', 'amazonbedrockfoundationmodels')
                     OR lower(product_product_family) = 'amazon bedrock'
                     OR coalesce(line_item_iam_principal, '') <> ''
                     OR (lower(bill_billing_entity) = 'aws marketplace'
                         AND (product['product_name'] ILIKE '%(Amazon Bedrock Edition)%'
                              OR product['servicename'] ILIKE '%(Amazon Bedrock Edition)%')))
            )
            SELECT {keys}, sum(cost) AS cost, count(*) AS line_items
            FROM bedrock GROUP BY ALL ORDER BY cost DESC
            """;
    }

    public static RunResult DuckDb(string path, string grouping)
    {
        var sql = Sql(path, grouping);
        var sw = Stopwatch.StartNew();
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var costOrdinal = reader.GetOrdinal("cost");
        double total = 0;
        var groups = 0;
        while (reader.Read())
        {
            total += reader.IsDBNull(costOrdinal) ? 0 : reader.GetDouble(costOrdinal);
            groups++;
        }
        sw.Stop();
        return new RunResult("duckdb", grouping, sw.Elapsed.TotalSeconds, (decimal)total, groups, PeakBytes(), 0);
    }

    /// <summary>Runs any SQL and prints the rows tab-separated (for looking into the generated files).</summary>
    public static void Print(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        Console.WriteLine(string.Join('\t', Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)));
        while (reader.Read())
            Console.WriteLine(string.Join('\t', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
    }

    public static string ToJson(RunResult r) => JsonSerializer.Serialize(r);
    public static RunResult FromJson(string line) => JsonSerializer.Deserialize<RunResult>(line)!;

    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);
}
