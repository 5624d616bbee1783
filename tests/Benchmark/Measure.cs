using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using DuckDB.NET.Data;

namespace BedrockCost.Benchmark;

/// <summary>What one measured run reports (printed by a child process as one JSON line).</summary>
/// <remarks><see cref="CpuSeconds"/>: processor time of the whole process during the query (all threads), a measure of the
/// work done that a busy machine disturbs less than the elapsed time.</remarks>
/// <param name="JitMethods">Methods the JIT compiled during the query (cmdlet runs): what ReadyToRun code did not cover.</param>
public sealed record RunResult(string Engine, string Grouping, double Seconds, decimal Total, int Groups, long PeakBytes, long RowsScanned, double CpuSeconds = 0,
    long JitMethods = 0);

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
    /// <summary>Processor time of this process so far, in seconds.</summary>
    public static double CpuTime()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime.TotalSeconds;
    }

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
        var cpu = CpuTime();
        var sw = Stopwatch.StartNew();
        var result = await CurSource.Local([path]).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        sw.Stop();
        cpu = CpuTime() - cpu;
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
        return new RunResult("engine", grouping, sw.Elapsed.TotalSeconds, total, result.Rows.Count, PeakBytes(), result.RowsScanned, cpu);
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
    /// The same question as a DuckDB user would ask it over the same files: Bedrock's product codes, plus
    /// Marketplace rows whose product is an "(Amazon Bedrock Edition)" model (the product map is read only for those
    /// rows); AgentCore is not among the codes. By Principal + Model + TokenType, the model is the Marketplace product
    /// name or the model segment of the usage type, and the token type is read from the usage type. The months hold
    /// one billing period, so no period filter is needed. The generator's expected total checks that it is correct.
    /// </summary>
    public static string Sql(string path, string grouping)
    {
        var glob = Path.Combine(path, "**", "*.parquet").Replace("'", "''");
        var byModel = grouping == Groupings.PrincipalModelToken;
        var model = byModel
            ? """
              ,
                     CASE WHEN bill_billing_entity = 'AWS Marketplace' THEN product['product_name']
                          ELSE regexp_extract(line_item_usage_type, '^[A-Z0-9]+-(.+?)-(input|output|cache)', 1) END AS model,
                     CASE WHEN line_item_usage_type ILIKE '%cache-read%' THEN 'CacheRead'
                          WHEN line_item_usage_type ILIKE '%cache-write%' THEN 'CacheWrite'
                          WHEN line_item_usage_type ILIKE '%input%' THEN 'Input'
                          WHEN line_item_usage_type ILIKE '%output%' THEN 'Output'
                          ELSE 'Other' END AS token_type
              """
            : "";
        return $"""
            SELECT coalesce(nullif(line_item_iam_principal, ''), '(unattributed)') AS principal{model},
                   sum(line_item_unblended_cost) AS cost, count(*) AS line_items
            FROM read_parquet('{glob}')
            WHERE line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
               OR (bill_billing_entity = 'AWS Marketplace' AND product['product_name'] LIKE '%(Amazon Bedrock Edition)%')
            GROUP BY ALL ORDER BY cost DESC
            """;
    }

    public static RunResult DuckDb(string path, string grouping)
    {
        var sql = Sql(path, grouping);
        var cpu = CpuTime();
        var sw = Stopwatch.StartNew();
        // A new connection per query (no state kept between runs), as a fresh process would have.
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
        cpu = CpuTime() - cpu;
        return new RunResult("duckdb", grouping, sw.Elapsed.TotalSeconds, (decimal)total, groups, PeakBytes(), 0, cpu);
    }

    /// <summary>What one S3 run measured (a child process prints one JSON line per run).</summary>
    public sealed record S3Result(string Mode, string Grouping, double Seconds, decimal Total, long FetchedBytes, long Requests, long ObjectBytes, string Rows);

    /// <summary>
    /// The month at <paramref name="path"/> (uploaded to s3://<paramref name="bucket"/>/<paramref name="prefix"/>) read through
    /// the ranged S3 store: one cold run with an empty cache, then <paramref name="warmUps"/> unmeasured rounds and
    /// <paramref name="repeat"/> measured rounds of a warm run (same cache) and the same query on the local files,
    /// alternating. The warm-up rounds are the in-process comparison's: the JIT recompiles the hot code of both paths
    /// only after it has run a while. Each measured run's rows are printed for comparison (the warm-up runs' rows are
    /// compared here, and a difference fails the run).
    /// </summary>
    public static async Task S3Async(string path, string endpoint, string bucket, string prefix, string grouping, int repeat, int warmUps = 0)
    {
        var query = new CostQuery { GroupBy = grouping.Split(',').Select(GroupDimension.Parse).ToArray() };
        var cache = Path.Combine(Path.GetTempPath(), "bc-bench-s3-" + Guid.NewGuid().ToString("N")[..12]);
        var connection = BedrockCost.Core.Aws.AwsCredentialResolver.Resolve(new BedrockCost.Core.Aws.AwsOptions(AccessKey: "S3RVER", SecretKey: "S3RVER", EndpointUrl: endpoint));
        var export = Directory.EnumerateDirectories(path).Single(d => Directory.Exists(Path.Combine(d, "data")));
        var location = BedrockCost.Core.Sources.S3.S3Location.Parse($"s3://{bucket}/{prefix}/{Path.GetFileName(export)}");
        try
        {
            async Task<S3Result> RunS3(string mode)
            {
                using var source = new CurSource(new BedrockCost.Core.Sources.S3.S3RangedStore(location, connection, new BedrockCost.Core.Sources.S3.DownloadCache(cache)));
                var sw = Stopwatch.StartNew();
                var result = await source.QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
                sw.Stop();
                var t = ((BedrockCost.Core.Sources.S3.S3RangedStore)source.Store).Transfer;
                return new S3Result(mode, grouping, sw.Elapsed.TotalSeconds, result.Rows.Sum(r => r.UnblendedCost), t.FetchedBytes, t.Requests, t.ObjectBytes, RowText(result));
            }
            async Task<S3Result> RunLocal()
            {
                using var source = CurSource.Local([export]);
                var sw = Stopwatch.StartNew();
                var result = await source.QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
                sw.Stop();
                return new S3Result("local", grouping, sw.Elapsed.TotalSeconds, result.Rows.Sum(r => r.UnblendedCost), 0, 0, 0, RowText(result));
            }
            // The local files once first, so that compiling the engine's code is not charged to the cold S3 run.
            await RunLocal();
            var cold = await RunS3("cold");
            Console.WriteLine(JsonSerializer.Serialize(cold));
            for (var i = 0; i < warmUps; i++)
            {
                var w = await RunS3("warm");
                var l = await RunLocal();
                if (w.Rows != cold.Rows || l.Rows != cold.Rows || w.FetchedBytes != 0)
                    throw new InvalidOperationException($"warm-up round {i + 1}: the rows differ from the cold run's, or the warm run fetched {w.FetchedBytes} bytes");
            }
            for (var i = 0; i < repeat; i++)
            {
                Console.WriteLine(JsonSerializer.Serialize(await RunS3("warm")));
                Console.WriteLine(JsonSerializer.Serialize(await RunLocal()));
            }
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>Every row of a result and its totals, exactly, one line each.</summary>
    public static string RowText(CostResult result) =>
        string.Join("\n", result.Rows.Select(r => string.Join('\t', r.Group, r.Principal, r.Model, r.TokenType, r.Account, r.UnattributedReason,
            r.UnblendedCost, r.NetUnblendedCost, r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.LineItemCount, r.Currency))
            .Concat(result.BedrockTotals.Select(t => $"total\t{t.Currency}\t{t.UnblendedCost}\t{t.NetUnblendedCost}\t{t.LineItems}")));

    /// <summary>The page decoder alone: every row group's chunk of each column, in windows of the engine's size; nanoseconds per value.</summary>
    /// <remarks>With <paramref name="every"/> above 1, only every so many slots are wanted (as the engine reads the columns it
    /// decodes only for the rows that count: about one in 20 in the generated months).</remarks>
    public static void Decode(string path, string columns, int repeat, int every = 1)
    {
        using var stream = File.OpenRead(path);
        var reader = Parquet.ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
        var leaves = BedrockCost.Core.Cur.Decoding.ParquetLayout.Leaves(reader.Metadata!);
        var source = BedrockCost.Core.Cur.Decoding.RandomAccessFor.Stream(stream);
        var ids = new int[BedrockCost.Core.Cur.ParquetCurReader.Window];
        var def = new int[ids.Length];
        var rep = new int[ids.Length];
        var want = new bool[ids.Length];
        for (var i = 0; i < want.Length; i++) want[i] = i % Math.Max(1, every) == 0;
        foreach (var name in columns.Split(','))
        {
            var leaf = leaves.Single(l => l.Path == name);
            var kind = leaf.Element.Type == Parquet.Meta.Type.BYTE_ARRAY ? BedrockCost.Core.Cur.Decoding.ValueKind.Text
                : leaf.Element.Type == Parquet.Meta.Type.DOUBLE ? BedrockCost.Core.Cur.Decoding.ValueKind.Number : BedrockCost.Core.Cur.Decoding.ValueKind.Timestamp;
            var spec = BedrockCost.Core.Cur.Decoding.ParquetLayout.Spec(leaf, kind)!;
            var column = new BedrockCost.Core.Cur.Decoding.ColumnReader(source, reader.Metadata!.RowGroups[0].Columns[leaf.Index], spec);
            var times = new List<double>();
            long values = 0;
            for (var i = 0; i < repeat; i++)
            {
                values = 0;
                var cpu = CpuTime();
                foreach (var g in reader.Metadata.RowGroups)
                {
                    var chunk = g.Columns[leaf.Index];
                    column.Reset(source, chunk, spec);
                    var slots = chunk.MetaData!.NumValues;
                    for (long done = 0; done < slots; done += ids.Length)
                    {
                        var n = (int)Math.Min(ids.Length, slots - done);
                        column.Read(n, ids, leaf.MaxDefinition > 0 ? def : default, leaf.MaxRepetition > 0 ? rep : default, every > 1 ? want.AsSpan(0, n) : default);
                        column.Values.EndWindow();
                    }
                    column.Finish();
                    values += slots;
                }
                times.Add((CpuTime() - cpu) * 1e9 / values);
            }
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {values:N0} values, {times[0]:F2} ns of processor time a value (best), {times[times.Count / 2]:F2} (median)"));
        }
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
