using System.Diagnostics;
using System.Globalization;
using BedrockCost.TestData;
using Parquet;
using Parquet.Schema;

return await Cli.RunAsync(args);

static class Cli
{
    const string Usage = """
        BedrockCost.TestData: deterministic CUR 2.0 (AWS Data Exports) test data.

          sample --out DIR
              The embedded sample: DIR/bedrock-cur/... (overwrite mode, parquet, 2 periods, 2-3 chunks each,
              row groups of 200, one empty leftover chunk per period), DIR/aws-programmatic-access-test-object,
              DIR/expected.json.
          export --out DIR [--mode overwrite|create-new] [--format parquet|csv] [--rows N]
                 [--periods 2026-05,2026-06] [--executions K] [--chunks C] [--row-group R] [--leftovers L]
                 [--name NAME] [--bucket B] [--prefix P] [--omit-principal] [--omit-net] [--test-object]
              Without --rows: the sample's rows of those periods. With --rows: N synthetic rows per period.
              create-new: K executions per period, earlier ones partial (older data). Writes DIR/expected.json
              for the latest execution, as the files show it.
          bench --out DIR [--rows 1000000] [--files 8] [--row-group 100000] [--period 2026-05] [--format parquet|csv]
              One synthetic month (~5% Bedrock), streamed, files written in parallel, expected.json on the fly.
          not-cur --out FILE
              A valid Parquet file that is not CUR data (for error tests).
          upload --endpoint URL --bucket B --dir D [--prefix P] [--create-bucket]
              Uploads every file under D (but expected.json) to s3://B/P (keys relative to D) on an S3-compatible
              endpoint (path-style, credentials S3RVER/S3RVER unless AWS_ACCESS_KEY_ID is set). For tests.
          duckdb --from DIR --out DIR [--options "COMPRESSION zstd, ROW_GROUP_SIZE 5000"]
              The export under --from with every Parquet file rewritten by DuckDB (COPY ... FORMAT PARQUET, its defaults
              unless --options), same layout and names; other files copied. A writer this project did not write.
          verify FILE [--rows-shown N]
              Reads a Parquet file back: row groups, rows, columns, non-null principals, cost sum, tag maps.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help") { Console.WriteLine(Usage); return args.Length == 0 ? 2 : 0; }
        var a = new Args(args.Skip(1));
        try
        {
            return args[0] switch
            {
                "sample" => await SampleAsync(a.Get("out") ?? throw new UsageException("--out required")),
                "export" => await ExportAsync(a),
                "bench" => await BenchAsync(a),
                "not-cur" => await NotCurAsync(a.Get("out") ?? throw new UsageException("--out required")),
                "upload" => await Upload.RunAsync(a.Get("endpoint") ?? throw new UsageException("--endpoint required"),
                    a.Get("bucket") ?? throw new UsageException("--bucket required"), a.Get("dir") ?? throw new UsageException("--dir required"),
                    a.Get("prefix") ?? "", a.Flag("create-bucket")),
                "duckdb" => DuckDb(a.Get("from") ?? throw new UsageException("--from required"), a.Get("out") ?? throw new UsageException("--out required"), a.Get("options")),
                "verify" => await VerifyAsync(a.Positional.FirstOrDefault() ?? throw new UsageException("FILE required"), a.Int("rows-shown", 3)),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or ParquetException or Amazon.Runtime.AmazonServiceException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    /// <summary>A valid Parquet file that is not CUR data (a plain table of other columns), for error tests.</summary>
    static async Task<int> NotCurAsync(string path)
    {
        var name = new Parquet.Schema.DataField<string>("customer");
        var amount = new Parquet.Schema.DataField<double>("amount");
        await using var fs = File.Create(path);
        await using var w = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(name, amount), fs, null, false, default);
        using var rg = w.CreateRowGroup();
        await rg.WriteAsync(name, new string?[] { "acme", "globex" }, null);
        await rg.WriteAsync<double>(amount, new double[] { 1.5, 2.5 }, null, null, default);
        return 0;
    }

    static DateTime Month(string s) =>
        DateTime.SpecifyKind(DateTime.ParseExact(s, "yyyy-MM", CultureInfo.InvariantCulture), DateTimeKind.Utc);

    static IEnumerable<LineItem> Tap(IEnumerable<LineItem> rows, ExpectedTotals acc)
    {
        foreach (var r in rows) { acc.Add(r); yield return r; }
    }

    static async Task<int> SampleAsync(string outDir)
    {
        var rows = SampleData.Build();
        var o = new ExportOptions { Root = outDir, RowGroupSize = 200 };
        ExportWriter.WriteTestObject(outDir);
        int p = 0;
        foreach (var period in SampleData.Periods)
        {
            var periodRows = rows.Where(r => r.BillingPeriodStart == period).ToList();
            var id = DeterministicGuid.From($"{o.ExportName}/{period:yyyy-MM}/1").ToString();
            var ex = new ExportExecution(period.AddMonths(1).AddDays(1).AddHours(6), id, ExportWriter.Split(periodRows, p == 0 ? 2 : 3));
            var res = await ExportWriter.WritePeriodAsync(o, period, [ex], [p == 0 ? LeftoverKind.ZeroBytes : LeftoverKind.ZeroRowParquet]);
            Console.WriteLine($"{res.BillingPeriod}: {res.Rows} rows, {res.DataFiles.Count} files, manifest {res.ManifestPath}");
            p++;
        }
        var expected = ExpectedTotals.Compute(rows);
        await File.WriteAllTextAsync(Path.Combine(outDir, "expected.json"), expected.ToJson("sample (SampleData.Build, seed 42)"));
        PrintTotals(expected);
        return 0;
    }

    static async Task<int> ExportAsync(Args a)
    {
        var outDir = a.Get("out") ?? throw new UsageException("--out required");
        var schema = new CurSchemaOptions { OmitIamPrincipal = a.Flag("omit-principal"), OmitNetUnblended = a.Flag("omit-net") };
        var o = new ExportOptions
        {
            Root = outDir,
            ExportName = a.Get("name") ?? "bedrock-cur",
            Bucket = a.Get("bucket") ?? "example-cur-bucket",
            Prefix = a.Get("prefix") ?? "cur",
            Mode = (a.Get("mode") ?? "overwrite") switch
            {
                "overwrite" => ExportMode.Overwrite, "create-new" => ExportMode.CreateNew,
                var m => throw new UsageException($"bad --mode {m}"),
            },
            Format = (a.Get("format") ?? "parquet") switch
            {
                "parquet" => ExportFormat.Parquet, "csv" or "csv.gz" => ExportFormat.CsvGzip,
                var f => throw new UsageException($"bad --format {f}"),
            },
            RowGroupSize = a.Int("row-group", 1000),
            Schema = schema,
        };
        long? rowsPerPeriod = a.Get("rows") is { } r ? long.Parse(r, CultureInfo.InvariantCulture) : null;
        var periods = (a.Get("periods") ?? "2026-05,2026-06").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Month).ToList();
        int executions = Math.Max(1, a.Int("executions", 1));
        int chunks = Math.Max(1, a.Int("chunks", 2));
        int leftovers = a.Int("leftovers", o.Mode == ExportMode.Overwrite ? 1 : 0);
        if (a.Flag("test-object")) ExportWriter.WriteTestObject(outDir);
        var sample = rowsPerPeriod is null ? SampleData.Build() : null;
        var expected = new ExpectedTotals(schema);
        foreach (var period in periods)
        {
            int days = DateTime.DaysInMonth(period.Year, period.Month);
            var finalAcc = Enumerable.Range(0, chunks).Select(_ => new ExpectedTotals(schema)).ToArray();
            var list = new List<ExportExecution>();
            for (int k = 1; k <= executions; k++)
            {
                bool last = k == executions;
                DateTime? cut = last ? null : period.AddDays(Math.Max(1, days * k / executions));
                var when = cut?.AddHours(6) ?? period.AddMonths(1).AddDays(1).AddHours(6);
                IReadOnlyList<IEnumerable<LineItem>> parts;
                if (sample != null)
                    parts = ExportWriter.Split(sample.Where(x => x.BillingPeriodStart == period && (cut is null || x.UsageStart < cut)).ToList(), chunks);
                else
                    parts = Enumerable.Range(0, chunks).Select(c => SyntheticData.Chunk(period, 42, c, rowsPerPeriod!.Value / chunks + (c < rowsPerPeriod.Value % chunks ? 1 : 0), usageBefore: cut, monthRows: rowsPerPeriod)).ToList();
                if (last) parts = parts.Select((p, i) => Tap(p, finalAcc[i])).ToList();
                list.Add(new ExportExecution(when, DeterministicGuid.From($"{o.ExportName}/{period:yyyy-MM}/{k}").ToString(), parts));
            }
            var kinds = Enumerable.Range(0, leftovers).Select(i => i % 2 == 0 ? LeftoverKind.ZeroBytes : LeftoverKind.ZeroRowParquet).ToList();
            var res = await ExportWriter.WritePeriodAsync(o, period, list, kinds);
            foreach (var acc in finalAcc) expected.Merge(acc);
            Console.WriteLine($"{res.BillingPeriod}: {res.Rows} rows in latest execution, {res.DataFiles.Count} files written, manifest {res.ManifestPath}");
        }
        await File.WriteAllTextAsync(Path.Combine(outDir, "expected.json"), expected.ToJson("export"));
        PrintTotals(expected);
        return 0;
    }

    static int DuckDb(string from, string to, string? options)
    {
        DuckDbWriter.RewriteTree(from, to, options);
        Console.WriteLine($"Rewrote the Parquet files of {from} with DuckDB into {to}");
        return 0;
    }

    static async Task<int> BenchAsync(Args a)
    {
        var outDir = a.Get("out") ?? throw new UsageException("--out required");
        long rows = a.Long("rows", 1_000_000);
        int files = Math.Max(1, a.Int("files", 8));
        var period = Month(a.Get("period") ?? "2026-05");
        var format = a.Get("format") == "csv" ? ExportFormat.CsvGzip : ExportFormat.Parquet;
        var sw = Stopwatch.StartNew();
        var written = await BenchExport.WriteAsync(outDir, rows, files, a.Int("row-group", 100_000), period, format);
        sw.Stop();
        var (res, expected, bytes) = (written.Period, written.Expected, written.Bytes);
        Console.WriteLine($"{res.Rows} rows, {res.DataFiles.Count} files, {bytes / 1048576.0:F1} MiB in {sw.Elapsed.TotalSeconds:F2} s " +
                          $"= {res.Rows / sw.Elapsed.TotalSeconds:F0} rows/s; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB");
        PrintTotals(expected);
        return 0;
    }

    static void PrintTotals(ExpectedTotals e)
    {
        foreach (var p in e.Periods.Values)
            foreach (var c in p.Currencies.Values)
                Console.WriteLine($"  {p.BillingPeriod} {c.Currency}: rows {p.RowCount}, Bedrock unblended {c.Bedrock.UnblendedCost}, net {c.Bedrock.NetUnblendedCost}, " +
                                  $"unattributed {c.Unattributed.UnblendedCost}, principals {c.Principals.Count}");
    }

    static async Task<int> VerifyAsync(string file, int show)
    {
        if (new FileInfo(file).Length == 0) { Console.WriteLine($"{file}: 0 bytes (empty leftover chunk)"); return 0; }
        await using var reader = await ParquetReader.CreateAsync(file);
        var fields = reader.Schema.GetDataFields();
        Console.WriteLine($"{file}: {reader.RowGroupCount} row groups, {reader.Schema.Fields.Count} columns ({fields.Length} leaf fields)");
        var principal = fields.FirstOrDefault(f => f.Path.ToString() == CurSchema.IamPrincipalColumn);
        var cost = fields.First(f => f.Name == "line_item_unblended_cost");
        var tagKey = fields.First(f => f.Path.ToString().StartsWith("tags", StringComparison.Ordinal) && f.Name == "key");
        var tagVal = fields.First(f => f.Path.ToString().StartsWith("tags", StringComparison.Ordinal) && f.Name == "value");
        long rows = 0, withPrincipal = 0, tagEntries = 0, nullMaps = 0, emptyMaps = 0;
        double sum = 0;
        var shown = new List<string>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var rg = reader.OpenRowGroupReader(g);
            int n = (int)rg.RowCount;
            rows += n;
            var costs = new double?[n];
            await rg.ReadAsync<double>(cost, costs.AsMemory(), null);
            sum += costs.Sum(c => c ?? 0);
            if (principal != null)
            {
                var ps = new string?[n];
                await rg.ReadAsync(principal, ps.AsMemory(), null);
                withPrincipal += ps.Count(p => !string.IsNullOrEmpty(p));
            }
            // tags map: raw leaves with definition levels (null map / empty map / entry) and repetition levels
            int slots = (int)rg.GetMetadata(tagKey)!.MetaData!.NumValues;
            var kv = new ReadOnlyMemory<char>[slots]; var vv = new ReadOnlyMemory<char>[slots];
            var def = new int[slots]; var rep = new int[slots]; var vdef = new int[slots];
            await rg.ReadRawAsync(tagKey, kv.AsMemory(), def.AsMemory(), rep.AsMemory());
            await rg.ReadRawAsync(tagVal, vv.AsMemory(), vdef.AsMemory(), new int[slots].AsMemory());
            var cur = new List<string>();
            for (int i = 0, ki = 0, vi = 0; i < slots; i++)
            {
                if (rep[i] == 0)
                {
                    if (def[i] == tagKey.MaxDefinitionLevel - 2) nullMaps++;
                    else if (def[i] == tagKey.MaxDefinitionLevel - 1) emptyMaps++;
                    if (cur.Count > 0 && shown.Count < show) shown.Add("{" + string.Join(", ", cur) + "}");
                    cur.Clear();
                }
                if (def[i] == tagKey.MaxDefinitionLevel)
                {
                    tagEntries++;
                    cur.Add($"{kv[ki++]}={(vdef[i] == tagVal.MaxDefinitionLevel ? vv[vi++].ToString() : "null")}");
                }
            }
        }
        Console.WriteLine($"rows {rows}, rows with principal {withPrincipal}{(principal is null ? " (column absent)" : "")}, " +
                          $"unblended sum {sum.ToString("R", CultureInfo.InvariantCulture)}, " +
                          $"tags: {tagEntries} entries, {nullMaps} null maps, {emptyMaps} empty maps");
        foreach (var s in shown) Console.WriteLine("  tags " + s);
        return 0;
    }

    sealed class UsageException(string message) : Exception(message);

    sealed class Args
    {
        readonly Dictionary<string, string?> _named = new();
        public List<string> Positional { get; } = new();
        public Args(IEnumerable<string> args)
        {
            var list = args.ToList();
            for (int i = 0; i < list.Count; i++)
            {
                if (!list[i].StartsWith("--", StringComparison.Ordinal)) { Positional.Add(list[i]); continue; }
                var key = list[i][2..];
                _named[key] = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            }
        }
        public string? Get(string k) => _named.TryGetValue(k, out var v) ? v : null;
        public bool Flag(string k) => _named.ContainsKey(k);
        public int Int(string k, int d) => Get(k) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : d;
        public long Long(string k, long d) => Get(k) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : d;
    }
}
