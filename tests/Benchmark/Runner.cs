using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BedrockCost.TestData;
using Sources = BedrockCost.Core.Sources;

namespace BedrockCost.Benchmark;

/// <summary>
/// The Bench task: generates (or reuses) the months, written by Parquet.Net (the project's generator) and rewritten by
/// DuckDB, then for each size, writer and grouping times the engine and DuckDB in one process after warm-up rounds
/// (alternating, so that a busy machine slows both alike), and the cmdlet in a fresh pwsh against DuckDB in a fresh
/// process. Also times Import-Module in fresh processes. Writes results.md and .json (and docs/benchmark.md).
/// </summary>
internal static class Runner
{
    private sealed record Options(long[] Rows, int[] Runs, int[] WarmRuns, int[] WarmUps, string DataRoot, string OutDir, string? Docs, string? Module,
        string[] Pwsh, int RowGroup, string RepoRoot, string[] Writers, int ImportRuns, bool S3);

    /// <summary>The S3 figures of one month: a cold run, warm reruns and the same query on the local files.</summary>
    private sealed record S3Cell(Month Month, string Grouping, Measure.S3Result Cold, List<Measure.S3Result> Warm, List<Measure.S3Result> Local, double Others);

    /// <summary>One generated month as one writer wrote it.</summary>
    private sealed record Month(long Rows, string Writer, string Dir, int Files, int RowGroups, double MiB, decimal Expected);

    private sealed record Cell(Month Month, string Grouping)
    {
        public List<RunResult> WarmEngine { get; } = [];
        public List<RunResult> WarmDuckDb { get; } = [];
        public List<RunResult> Cmdlet { get; } = [];
        public List<RunResult> DuckDb { get; } = [];
        /// <summary>The engine's peak live managed memory (one sampled run).</summary>
        public RunResult? Live { get; set; }
        /// <summary>Other processes' share of the machine while this case ran (<see cref="OthersCpu"/>).</summary>
        public double Others { get; set; } = double.NaN;
    }

    private sealed record ImportTimes(List<double> Bare, List<double> WithImport)
    {
        public double Others { get; set; } = double.NaN;
    }

    public const string ParquetNet = "Parquet.Net";
    public const string DuckDbWriterName = "DuckDB";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly DateTime Period = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);

    public static async Task<int> RunAsync(string[] args)
    {
        var o = Parse(args);
        Directory.CreateDirectory(o.OutDir);
        var cells = new List<Cell>();
        var failures = new List<string>();
        for (var s = 0; s < o.Rows.Length; s++)
        {
            var rows = o.Rows[s];
            var runs = o.Runs.Length > s ? o.Runs[s] : o.Runs[^1];
            var warmRuns = o.WarmRuns.Length > s ? o.WarmRuns[s] : o.WarmRuns[^1];
            var warmUps = WarmUpsAt(o, s);
            foreach (var writer in o.Writers)
            {
                var month = await EnsureMonthAsync(o, rows, writer);
                foreach (var grouping in Groupings.All)
                {
                    Console.WriteLine($"== {rows:N0} rows written by {writer}, {month.Files} files, {month.RowGroups} row groups, {month.MiB:F0} MiB, by {grouping}");
                    var cell = new Cell(month, grouping);
                    var mark = OthersCpu.Take();
                    // In one process: warm-up rounds, then the measured rounds (engine, then DuckDB, each round).
                    var warm = RunSelfAll("warm", month.Dir, grouping, ("repeat", (warmUps + warmRuns).ToString(Inv)));
                    cell.WarmEngine.AddRange(warm.Where(r => r.Engine == "engine").Skip(warmUps));
                    cell.WarmDuckDb.AddRange(warm.Where(r => r.Engine == "duckdb").Skip(warmUps));
                    Console.WriteLine($"   in-process, warm: engine {Series(cell.WarmEngine)}");
                    Console.WriteLine($"                     duckdb {Series(cell.WarmDuckDb)}");
                    // Fresh processes: the cmdlet as an admin runs it, DuckDB as a DuckDB user runs it.
                    for (var i = 0; i <= runs; i++)
                    {
                        var c = o.Module is null ? null : RunCmdlet(o, month.Dir, grouping);
                        var d = RunSelf("duckdb", month.Dir, grouping);
                        Console.WriteLine($"   fresh {(i == 0 ? "warm-up" : $"run {i}"),-8} cmdlet {Show(c)}  duckdb {Show(d)}");
                        if (i == 0) continue;
                        if (c is not null) cell.Cmdlet.Add(c);
                        cell.DuckDb.Add(d);
                    }
                    if (grouping == Groupings.Principal)
                    {
                        cell.Live = RunSelf("live", month.Dir, grouping);
                        Console.WriteLine($"   engine peak live managed memory: {Measure.Mib(cell.Live.PeakBytes)} MiB");
                    }
                    cell.Others = OthersCpu.Share(mark, OthersCpu.Take());
                    Console.WriteLine($"   other processes used {OthersCpu.Show(cell.Others)} of the machine meanwhile");
                    failures.AddRange(Check(cell));
                    cells.Add(cell);
                }
            }
        }
        var s3 = new List<S3Cell>();
        if (o.S3)
        {
            s3 = await MeasureS3Async(o, cells.Select(c => c.Month).Where(m => m.Rows <= 2_000_000).Distinct().ToList(), failures);
        }
        ImportTimes? import = null;
        if (o.Module is not null && o.ImportRuns > 0)
        {
            var mark = OthersCpu.Take();
            import = MeasureImport(o);
            import.Others = OthersCpu.Share(mark, OthersCpu.Take());
        }

        var markdown = Markdown(o, cells, s3, import, failures);
        await File.WriteAllTextAsync(Path.Combine(o.OutDir, "results.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(o.OutDir, "results.json"),
            JsonSerializer.Serialize(new { machine = Machine(), commit = Commit(o.RepoRoot), cells, s3, import, failures }, new JsonSerializerOptions { WriteIndented = true }));
        if (o.Docs is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.Docs))!);
            await File.WriteAllTextAsync(o.Docs, markdown);
        }
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"Results: {Path.Combine(o.OutDir, "results.md")}{(o.Docs is null ? "" : $" and {o.Docs}")}");
        foreach (var f in failures) Console.Error.WriteLine("CHECK FAILED: " + f);
        return failures.Count == 0 ? 0 : 1;
    }

    private static Options Parse(string[] args)
    {
        string? Arg(string name)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        int[] Ints(string text) => text.Split(',').Select(x => int.Parse(x, Inv)).ToArray();
        var repo = Arg("repo") ?? FindRepoRoot();
        var rows = (Arg("rows") ?? "2000000,10000000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => long.Parse(r, Inv)).ToArray();
        var runs = Arg("runs") is { } r1 ? Ints(r1) : rows.Select(n => n > 2_000_000 ? 3 : 5).ToArray();
        var warmRuns = Arg("warm-runs") is { } r2 ? Ints(r2) : rows.Select(n => n > 2_000_000 ? 5 : 9).ToArray();
        // The .NET JIT recompiles the engine's hot code with profile-guided optimisation only after it has run a while
        // (tiered compilation): measured on 2,000,000 rows, the first four or five rounds of a process took twice as long
        // as the later ones. Enough warm-up rounds that the measured ones run the final code (about 2 s of running).
        var warmUps = Arg("warm-ups") is { } r3 ? Ints(r3) : rows.Select(n => n > 2_000_000 ? 3 : 8).ToArray();
        var module = Arg("module") ?? Path.Combine(repo, "output", "BedrockCost", "BedrockCost.psd1");
        if (args.Contains("--no-cmdlet")) module = null;
        else if (!File.Exists(module)) throw new FileNotFoundException($"No built module at '{module}': run build.ps1 -Task Build first, or pass --no-cmdlet.");
        var pwsh = Arg("pwsh") is { } p ? p.Split('|', StringSplitOptions.RemoveEmptyEntries) : ["pwsh"];
        var writers = (Arg("writers") ?? $"{ParquetNet},{DuckDbWriterName}").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new Options(rows, runs, warmRuns, warmUps,
            Arg("data") ?? Path.Combine(repo, "output", "bench-data"),
            Arg("out") ?? Path.Combine(repo, "output", "bench"),
            args.Contains("--no-docs") ? null : Arg("docs") ?? Path.Combine(repo, "docs", "benchmark.md"),
            module, pwsh, int.Parse(Arg("row-group") ?? "100000", Inv), repo, writers, int.Parse(Arg("import-runs") ?? "15", Inv),
            !args.Contains("--no-s3"));
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BedrockCost.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>Several files, as a large export has: about 500,000 rows each, at least four.</summary>
    private static int FilesFor(long rows) => (int)Math.Clamp(rows / 500_000, 4, 64);

    /// <summary>
    /// The month of <paramref name="rows"/> rows as <paramref name="writer"/> wrote it, generated unless present with the
    /// same parameters. Parquet.Net: the generator's own files. DuckDB: each of those files rewritten by DuckDB's
    /// <c>COPY ... (FORMAT PARQUET)</c> with its defaults (row groups of 122,880 rows, snappy), same layout and names.
    /// </summary>
    private static async Task<Month> EnsureMonthAsync(Options o, long rows, string writer)
    {
        var source = Path.Combine(o.DataRoot, $"rows-{rows}");
        var dir = writer == ParquetNet ? source : Path.Combine(o.DataRoot, $"rows-{rows}-duckdb");
        var files = FilesFor(rows);
        // Bump the version when the generator's output changes.
        var sourceStamp = $"bench-data v4 rows={rows} files={files} rowGroup={o.RowGroup} period={Period:yyyy-MM} seed={BenchExport.Seed}";
        var stamp = writer == ParquetNet ? sourceStamp : $"{sourceStamp} rewritten by DuckDB COPY (FORMAT PARQUET) defaults";
        var made = false;
        if (!await StampedAsync(source, sourceStamp))
        {
            made = writer == ParquetNet;
            if (Directory.Exists(source)) Directory.Delete(source, recursive: true);
            Console.WriteLine($"Generating {rows:N0} rows in {files} files under {source} ...");
            var sw = Stopwatch.StartNew();
            var written = await BenchExport.WriteAsync(source, rows, files, o.RowGroup, Period);
            Console.WriteLine($"  {written.Period.Rows:N0} rows, {written.Bytes / 1048576.0:F0} MiB in {sw.Elapsed.TotalSeconds:F0} s");
            await File.WriteAllTextAsync(Path.Combine(source, "bench-params.txt"), sourceStamp);
        }
        if (dir != source && !await StampedAsync(dir, stamp))
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Console.WriteLine($"Rewriting {source} with DuckDB into {dir} ...");
            var sw = Stopwatch.StartNew();
            DuckDbWriter.RewriteTree(source, dir);
            Console.WriteLine($"  done in {sw.Elapsed.TotalSeconds:F0} s");
            await File.WriteAllTextAsync(Path.Combine(dir, "bench-params.txt"), stamp);
        }
        else if (!made) Console.WriteLine($"Reusing {dir} ({stamp}).");
        var expected = ExpectedJson.Load(Path.Combine(dir, "expected.json")).Periods[0].Single.Bedrock.UnblendedCost;
        var parquet = Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories).ToList();
        var rowGroups = 0;
        foreach (var f in parquet)
        {
            await using var reader = await Parquet.ParquetReader.CreateAsync(f);
            rowGroups += reader.RowGroupCount;
        }
        return new Month(rows, writer, dir, parquet.Count, rowGroups, parquet.Sum(f => new FileInfo(f).Length) / 1048576.0, expected);

        static async Task<bool> StampedAsync(string dir, string stamp)
        {
            var file = Path.Combine(dir, "bench-params.txt");
            return File.Exists(file) && await File.ReadAllTextAsync(file) == stamp && File.Exists(Path.Combine(dir, "expected.json"));
        }
    }

    private static ProcessStartInfo Self(string mode, string dir, string grouping, params (string Name, string Value)[] more)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self);
        // Under `dotnet Benchmark.dll` the process is dotnet: pass the dll.
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(typeof(Runner).Assembly.Location);
        foreach (var a in new[] { mode, "--path", dir, "--group", grouping }) psi.ArgumentList.Add(a);
        foreach (var (name, value) in more) { psi.ArgumentList.Add("--" + name); psi.ArgumentList.Add(value); }
        return psi;
    }

    private static RunResult RunSelf(string mode, string dir, string grouping) => Run(Self(mode, dir, grouping), mode).Last();

    private static List<RunResult> RunSelfAll(string mode, string dir, string grouping, params (string, string)[] more) =>
        Run(Self(mode, dir, grouping, more), mode);

    /// <summary>The cmdlet as an admin runs it, in a fresh pwsh: import, then time the one command.</summary>
    private static RunResult RunCmdlet(Options o, string dir, string grouping)
    {
        static string Q(string s) => "'" + s.Replace("'", "''") + "'";
        var groupBy = string.Join(",", grouping.Split(',').Select(Q));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Import-Module {{Q(o.Module!)}}
            $p = [Diagnostics.Process]::GetCurrentProcess()
            $jit = [System.Runtime.JitInfo]::GetCompiledMethodCount(); $cpu = $p.TotalProcessorTime
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $rows = @(Get-BedrockCostByPrincipal -LiteralPath {{Q(dir)}} -GroupBy {{groupBy}})
            $sw.Stop()
            $jit = [System.Runtime.JitInfo]::GetCompiledMethodCount() - $jit; $p.Refresh(); $cpu = ($p.TotalProcessorTime - $cpu).TotalSeconds
            [decimal]$total = 0
            foreach ($r in $rows) { $total += $r.UnblendedCost }
            [ordered]@{ Engine = 'cmdlet'; Grouping = {{Q(grouping)}}; Seconds = $sw.Elapsed.TotalSeconds; Total = $total;
                        Groups = $rows.Count; PeakBytes = $p.PeakWorkingSet64; RowsScanned = 0; CpuSeconds = $cpu; JitMethods = $jit } | ConvertTo-Json -Compress
            """;
        return Run(Pwsh(o, "-Command", script), "cmdlet").Last();
    }

    private static ProcessStartInfo Pwsh(Options o, params string[] args)
    {
        var psi = new ProcessStartInfo(o.Pwsh[0]) { WorkingDirectory = o.RepoRoot };
        foreach (var a in o.Pwsh.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "-NoProfile", "-NonInteractive" }.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>
    /// What Import-Module adds to a pwsh start: wall-clock time of <c>pwsh -NoProfile -c 1</c> and of
    /// <c>pwsh -NoProfile -c "Import-Module ..."</c>, alternating, after one warm-up of each.
    /// </summary>
    private static ImportTimes MeasureImport(Options o)
    {
        Console.WriteLine($"== Import-Module: {o.ImportRuns} fresh pwsh processes with and without it");
        var times = new ImportTimes([], []);
        var import = $"Import-Module '{o.Module!.Replace("'", "''")}'";
        for (var i = 0; i <= o.ImportRuns; i++)
        {
            var bare = Timed(Pwsh(o, "-Command", "1"));
            var with = Timed(Pwsh(o, "-Command", import));
            Console.WriteLine($"   {(i == 0 ? "warm-up" : $"run {i}"),-8} bare {bare * 1000,5:F0} ms  with Import-Module {with * 1000,5:F0} ms");
            if (i == 0) continue;
            times.Bare.Add(bare);
            times.WithImport.Add(with);
        }
        return times;

        static double Timed(ProcessStartInfo psi)
        {
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            sw.Stop();
            if (p.ExitCode != 0) throw new InvalidOperationException($"pwsh failed (exit {p.ExitCode}): {stderr.Result}");
            return sw.Elapsed.TotalSeconds;
        }
    }

    /// <summary>
    /// The months of at most 2M rows through s3rver (on 127.0.0.1, started here): each uploaded, then read by the ranged
    /// store in a child process (a cold run with an empty cache, then warm reruns alternating with the local files).
    /// </summary>
    private static async Task<List<S3Cell>> MeasureS3Async(Options o, List<Month> months, List<string> failures)
    {
        var cells = new List<S3Cell>();
        if (months.Count == 0) return cells;
        using var server = S3rver.Start(o.RepoRoot);
        foreach (var month in months)
        {
            var prefix = $"{month.Writer.ToLowerInvariant().Replace(".", "")}-{month.Rows}";
            Console.WriteLine($"== S3: {month.Rows:N0} rows written by {month.Writer}, uploading to s3rver ({server.Endpoint}) ...");
            await Upload.RunAsync(server.Endpoint, "bench", month.Dir, prefix, createBucket: true, quiet: true);
            var mark = OthersCpu.Take(server.ProcessId);
            // The in-process comparison's warm-up rounds for a month of this size, so that the warm figures run the final code.
            var size = Array.IndexOf(o.Rows, month.Rows);
            var warmUps = WarmUpsAt(o, size < 0 ? o.Rows.Length - 1 : size);
            var lines = RunLines(Self("s3", month.Dir, Groupings.Principal, ("endpoint", server.Endpoint), ("bucket", "bench"), ("prefix", prefix), ("repeat", "7"),
                ("warm-ups", warmUps.ToString(Inv))), "s3");
            var results = lines.Select(l => JsonSerializer.Deserialize<Measure.S3Result>(l)!).ToList();
            var cell = new S3Cell(month, Groupings.Principal, results.First(r => r.Mode == "cold"), results.Where(r => r.Mode == "warm").ToList(),
                results.Where(r => r.Mode == "local").ToList(), OthersCpu.Share(mark, OthersCpu.Take(server.ProcessId)));
            Console.WriteLine(string.Create(Inv, $"   cold: fetched {cell.Cold.FetchedBytes:N0} of {cell.Cold.ObjectBytes:N0} bytes in {cell.Cold.Requests} requests, {cell.Cold.Seconds:F2} s; " +
                                                 $"warm {Series(cell.Warm)}; local {Series(cell.Local)}"));
            var local = cell.Local[0].Rows;
            foreach (var r in cell.Warm.Prepend(cell.Cold).Concat(cell.Local))
                if (r.Rows != local) failures.Add($"S3, {month.Rows:N0} rows ({month.Writer}): the {r.Mode} run's rows differ from the local files'");
            foreach (var r in cell.Warm)
                if (r.FetchedBytes != 0) failures.Add($"S3, {month.Rows:N0} rows ({month.Writer}): a warm rerun fetched {r.FetchedBytes:N0} bytes");
            if (Math.Round(cell.Cold.Total, 2) != Math.Round(month.Expected, 2))
                failures.Add($"S3, {month.Rows:N0} rows ({month.Writer}): total {cell.Cold.Total} differs from the expected {month.Expected}");
            cells.Add(cell);
        }
        return cells;
    }

    private static string Series(List<Measure.S3Result> runs) => string.Join(" ", runs.Select(r => r.Seconds.ToString("F3", Inv)));

    /// <summary>The JSON lines a child process printed.</summary>
    private static List<string> RunLines(ProcessStartInfo psi, string what)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).ToList();
        if (p.ExitCode != 0 || lines.Count == 0) throw new InvalidOperationException($"{what} run failed (exit {p.ExitCode}): {stdout}\n{stderr.Result}");
        return lines;
    }

    private static List<RunResult> Run(ProcessStartInfo psi, string what) => RunLines(psi, what).Select(Measure.FromJson).ToList();

    private static string Show(RunResult? r) => r is null ? "-" : $"{r.Seconds,6:F2} s {Measure.Mib(r.PeakBytes),5} MiB";
    private static string Series(List<RunResult> runs) => string.Join(" ", runs.Select(r => r.Seconds.ToString("F3", Inv)));

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Correctness: every run of every engine gives the generator's Bedrock total, to the cent.</summary>
    private static IEnumerable<string> Check(Cell c)
    {
        foreach (var r in c.WarmEngine.Concat(c.WarmDuckDb).Concat(c.Cmdlet).Concat(c.DuckDb).Concat(c.Live is null ? [] : [c.Live]))
            if (Math.Round(r.Total, 2) != Math.Round(c.Month.Expected, 2))
                yield return $"{c.Month.Rows:N0} rows ({c.Month.Writer}) by {c.Grouping}: {r.Engine} total {r.Total} differs from the expected {c.Month.Expected}";
    }

    /// <summary>The commit measured (with "+changes" when the work tree differs from it).</summary>
    private static string Commit(string repo)
    {
        static string Git(string repo, params string[] args)
        {
            var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-C", repo }.Concat(args)) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? text : "?";
        }
        try { return Git(repo, "rev-parse", "--short", "HEAD") + (Git(repo, "status", "--porcelain", "--untracked-files=no").Length > 0 ? "+changes" : ""); }
        catch (System.ComponentModel.Win32Exception) { return "?"; }
    }

    private static string Machine()
    {
        var mem = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} logical cores, {mem:F0} GiB memory, {RuntimeInformation.OSDescription}, " +
               $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}";
    }

    private const double EngineTarget = 1.2, ImportTarget = 0.250;

    private const double FetchTarget = 0.15, WarmTarget = 1.3;

    private static int WarmUpsAt(Options o, int size) => o.WarmUps.Length > size ? o.WarmUps[size] : o.WarmUps[^1];

    private static string Markdown(Options o, List<Cell> cells, List<S3Cell> s3, ImportTimes? import, List<string> failures)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmark: Get-BedrockCostByPrincipal against DuckDB");
        sb.AppendLine();
        sb.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC at commit {Commit(o.RepoRoot)} on {Machine()}. DuckDB {DuckDbVersion()} (DuckDB.NET.Data.Full).");
        sb.AppendLine();
        // Every phase says how much of the machine other processes took meanwhile; a busy machine slows the module
        // and DuckDB unequally (the engine uses every core, DuckDB too, pwsh start-up one), so its ratios mislead.
        var shares = cells.Select(c => c.Others).Concat(s3.Select(c => c.Others)).Concat(import is null ? [] : [import.Others]).ToList();
        var loaded = shares.Where(x => double.IsNaN(x) || x > OthersCpu.Quiet).ToList();
        if (loaded.Count > 0)
            sb.AppendLine(string.Create(Inv, $"> **Not representative: the machine was loaded.** Other processes took up to {OthersCpu.Show(shares.Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Max())} " +
                                             $"of its processor time during {loaded.Count} of the {shares.Count} measured phases (quiet means at most {OthersCpu.Show(OthersCpu.Quiet)}; " +
                                             $"the \"Others\" columns show each phase). Times and ratios below are not the module's; rerun on a quiet machine."));
        else
            sb.AppendLine(string.Create(Inv, $"Quiet machine: other processes took at most {OthersCpu.Show(shares.DefaultIfEmpty(0).Max())} of its processor time during any measured phase " +
                                             $"(the \"Others\" columns; a phase above {OthersCpu.Show(OthersCpu.Quiet)} would mark the report as not representative)."));
        if (!cells.Any(c => c.Month.Rows >= 2_000_000))
            sb.AppendLine(string.Create(Inv, $"> **Quick run** ({string.Join(", ", o.Rows.Select(r => r.ToString("N0", Inv)))} rows): it shows that the benchmark runs end to end; " +
                                             $"the targets are stated at 2,000,000 and 10,000,000 rows (`./build.ps1 -Task Bench` with its defaults)."));
        sb.AppendLine();
        var fleets = string.Join(", ", o.Rows.Select(r => string.Create(Inv, $"{SyntheticData.Fleet(Period, BenchExport.Seed, r).Lines.Count:N0} at {r:N0} rows")));
        sb.AppendLine("Data: synthetic CUR 2.0 months (the full 125-column schema with its MAP columns and timestamps, one billing period, " +
                      "about 500,000 rows a file), generated by `tests/tools/BedrockCost.TestData` (`BenchExport`) into `output/bench-data`. " +
                      "About 5% of the rows are Bedrock usage (the sample's principals and usage types, spread through every row group). " +
                      "The others are shaped like a real month's (`NoiseFleet`, after an anonymised real export and AWS's CUR 2.0 column documentation): " +
                      "hourly rows of the line items of a fleet (EC2 instances with their EBS volumes and data transfer, NAT gateways, S3 buckets, " +
                      $"Lambda functions, CloudWatch log groups; two accounts, three regions) as large as an hourly export of the month's size bills ({fleets}), " +
                      "each with its 52-character line item id (the same in every hour, as AWS writes it), " +
                      "resource id, product map (about 30 attributes for an instance), SKU, rate code, description and resource tags, and amounts " +
                      "and costs as billed (instance hours, fractions of a GB-month, request counts; cost = amount x rate to 10 decimals, net cost " +
                      "5% lower under an EDP), in random order. Those rows make most of an export's bytes, and so decide what share of them a query " +
                      "reads (the S3 figures below); months whose other rows were near-empty made that share look larger than it is. Two writers' files:");
        sb.AppendLine();
        sb.AppendLine($"- **{ParquetNet}**: the generator's own files (Parquet.Net 6.1, dictionary-encoded strings, snappy, row groups of {o.RowGroup:N0} rows).");
        sb.AppendLine($"- **{DuckDbWriterName}**: the same rows rewritten file by file by DuckDB's `COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT PARQUET)` " +
                      "with its defaults (row groups of 122,880 rows, snappy, its own choice of encodings), same layout and file names.");
        sb.AppendLine();
        sb.AppendLine("| Rows | Writer | Files | Row groups | MiB | Bytes a row |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|");
        foreach (var m in cells.Select(c => c.Month).Distinct())
            sb.AppendLine(string.Create(Inv, $"| {m.Rows:N0} | {m.Writer} | {m.Files} | {m.RowGroups} | {m.MiB:F0} | {m.MiB * 1048576 / m.Rows:F0} |"));
        sb.AppendLine();

        sb.AppendLine("## Engine and DuckDB in one process, warm");
        sb.AppendLine();
        var warmUps = string.Join(", ", o.Rows.Select((r, i) => string.Create(Inv, $"{WarmUpsAt(o, i)} at {r:N0} rows")));
        sb.AppendLine($"One process runs warm-up rounds ({warmUps}: the .NET JIT recompiles the engine's hot code with " +
                      "profile-guided optimisation only after it has run a while, and rounds before that time the compiler; DuckDB is " +
                      "native code), then the measured rounds; each round runs the module's engine " +
                      "(`CurSource.Local` + `CostQuery`, what the cmdlet calls, without PowerShell) and then the DuckDB query (a new " +
                      "in-memory connection each time), so both see the same machine load. Medians of the measured rounds; every " +
                      "run's total is checked against the generator's expected total, to the cent.");
        sb.AppendLine();
        sb.AppendLine("| Rows | Writer | Grouping | Rounds | Engine median | DuckDB median | Engine / DuckDB | Engine rows/s | Total (engine = DuckDB = expected) | Others |");
        sb.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---|---:|");
        foreach (var c in cells)
        {
            var e = Median(c.WarmEngine.Select(r => r.Seconds));
            var d = Median(c.WarmDuckDb.Select(r => r.Seconds));
            sb.AppendLine(string.Create(Inv,
                $"| {c.Month.Rows:N0} | {c.Month.Writer} | {Show(c.Grouping)} | {c.WarmEngine.Count} | {Fmt(e)} | {Fmt(d)} | {e / d:F2}x | " +
                $"{c.Month.Rows / e / 1e6:F1} M | {Totals(c, c.WarmEngine, c.WarmDuckDb)} | {OthersCpu.Show(c.Others)} |"));
        }
        sb.AppendLine();

        if (cells.Any(c => c.Cmdlet.Count > 0))
        {
            sb.AppendLine("## The cmdlet in a fresh pwsh, DuckDB in a fresh process");
            sb.AppendLine();
            sb.AppendLine("Each run is a new process, timed around the query only: **module** = `Get-BedrockCostByPrincipal -LiteralPath <dir> " +
                          "-GroupBy ...` in a new `pwsh` after `Import-Module` (so it pays for loading its code, and for compiling what is not " +
                          "precompiled: " + ReadyToRunNote(o.Module) + "); **DuckDB** = the " +
                          "query in a new process. Cmdlet and DuckDB runs alternate; one warm-up of each, then the medians. **JIT methods** is the " +
                          "median number of methods the .NET JIT compiled during the query (`System.Runtime.JitInfo`; PowerShell's own, generic " +
                          "framework code made for the module's types, and whatever ReadyToRun code did not cover). Peaks are the " +
                          "peak resident set (VmHWM) of each process, median and largest in brackets; the module's includes PowerShell " +
                          "itself (about 150 MiB after `Import-Module`).");
            sb.AppendLine();
            sb.AppendLine("| Rows | Writer | Grouping | Runs | Module median | DuckDB median | Module / DuckDB | Module CPU | JIT methods | Module peak | DuckDB peak | Total (module = DuckDB = expected) |");
            sb.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            foreach (var c in cells.Where(c => c.Cmdlet.Count > 0))
            {
                var m = Median(c.Cmdlet.Select(r => r.Seconds));
                var d = Median(c.DuckDb.Select(r => r.Seconds));
                sb.AppendLine(string.Create(Inv,
                    $"| {c.Month.Rows:N0} | {c.Month.Writer} | {Show(c.Grouping)} | {c.Cmdlet.Count} | {Fmt(m)} | {Fmt(d)} | {m / d:F2}x | " +
                    $"{Fmt(Median(c.Cmdlet.Select(r => r.CpuSeconds)))} | {Median(c.Cmdlet.Select(r => (double)r.JitMethods)):F0} | " +
                    $"{PeakMib(c.Cmdlet)} | {PeakMib(c.DuckDb)} | {Totals(c, c.Cmdlet, c.DuckDb)} |"));
            }
            sb.AppendLine();
        }

        if (s3.Count > 0)
        {
            sb.AppendLine("## S3: ranged reads against s3rver");
            sb.AppendLine();
            sb.AppendLine("Each month is uploaded to s3rver 3.7.1 on 127.0.0.1 and read by `Get-BedrockCostByPrincipal`'s S3 store (`S3RangedStore`: " +
                          "the footer first, then only the column chunks the query needs of the row groups whose statistics allow Bedrock rows, " +
                          $"ranges closer than {Sources.S3.RangedObject.CoalesceGap / 1024} KiB coalesced) in one process, by Principal: a **cold** run with an empty cache, then warm reruns " +
                          "(the same cache) alternating with the same query on the local files, after as many unmeasured warm-up rounds of both as the in-process comparison's. Loopback, so the times show the work, not a network. " +
                          "Every run's rows are compared with the local files', exactly.");
            sb.AppendLine();
            sb.AppendLine("| Rows | Writer | Objects | Cold: fetched | of the objects | Requests | Cold time | Warm reruns: fetched | Warm median | Local median | Warm / local | Rows identical | Others |");
            sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
            foreach (var c in s3)
            {
                var warm = Median(c.Warm.Select(r => r.Seconds));
                var local = Median(c.Local.Select(r => r.Seconds));
                var identical = c.Warm.Prepend(c.Cold).All(r => r.Rows == c.Local[0].Rows);
                sb.AppendLine(string.Create(Inv,
                    $"| {c.Month.Rows:N0} | {c.Month.Writer} | {c.Cold.ObjectBytes / 1048576.0:F0} MiB | {c.Cold.FetchedBytes / 1048576.0:F1} MiB | " +
                    $"{100.0 * c.Cold.FetchedBytes / c.Cold.ObjectBytes:F1}% | {c.Cold.Requests} | {Fmt(c.Cold.Seconds)} | {c.Warm.Sum(r => r.FetchedBytes):N0} bytes | " +
                    $"{Fmt(warm)} | {Fmt(local)} | {warm / local:F2}x | {(identical ? "yes" : "**no**")} | {OthersCpu.Show(c.Others)} |"));
            }
            sb.AppendLine();
            sb.AppendLine("What a cold run fetches, by column (each column's share of the objects' bytes, from the files' metadata): the columns the " +
                          "engine reads by Principal (`ParquetCurReader.ColumnsRead`), and the product map, which it reads for the Marketplace rows " +
                          "(in every row group here); then the largest columns it does not read. What a run fetches beyond those columns is the " +
                          "files' footers and the gaps between the ranges it coalesces (much of a small month's fetch, little of a large one's).");
            sb.AppendLine();
            foreach (var m in s3.Select(c => c.Month).Distinct())
            {
                var columns = ColumnShares(m.Dir);
                var read = ColumnsReadByPrincipal().Append("product").ToHashSet();
                string List(IEnumerable<KeyValuePair<string, double>> cols) => string.Join(", ", cols.Select(kv => string.Create(Inv, $"{kv.Key} {kv.Value * 100:F1}%")));
                var fetched = columns.Where(kv => read.Contains(kv.Key)).ToList();
                sb.AppendLine(string.Create(Inv, $"- {m.Rows:N0} rows, {m.Writer}: read {fetched.Sum(kv => kv.Value) * 100:F1}% = ") + List(fetched) +
                              "; not read, largest: " + List(columns.Where(kv => !read.Contains(kv.Key)).Take(6)) + ".");
            }
            sb.AppendLine();
        }

        if (import is not null)
        {
            var bare = Median(import.Bare);
            var with = Median(import.WithImport);
            sb.AppendLine("## Import-Module");
            sb.AppendLine();
            sb.AppendLine(string.Create(Inv,
                $"Wall-clock time of a fresh `pwsh -NoProfile -NonInteractive -Command 1` and of the same with `Import-Module <output/BedrockCost>`, " +
                $"alternating, {import.Bare.Count} of each after a warm-up: medians {bare * 1000:F0} ms and {with * 1000:F0} ms, so the import adds " +
                $"**{(with - bare) * 1000:F0} ms** (spread of the import runs {import.WithImport.Min() * 1000:F0}-{import.WithImport.Max() * 1000:F0} ms; " +
                $"others took {OthersCpu.Show(import.Others)} of the machine meanwhile)."));
            sb.AppendLine();
        }

        sb.AppendLine("## Targets");
        sb.AppendLine();
        foreach (var c in cells.Where(c => c.Month.Rows >= 2_000_000))
        {
            var ratio = Median(c.WarmEngine.Select(r => r.Seconds)) / Median(c.WarmDuckDb.Select(r => r.Seconds));
            sb.AppendLine(string.Create(Inv, $"- Engine, {c.Month.Rows:N0} rows written by {c.Month.Writer}, by {Show(c.Grouping)}: " +
                                             $"engine / DuckDB in one process, warm = {ratio:F2}x (target at most {EngineTarget:F1}x): **{Verdict(ratio <= EngineTarget)}**{Loaded(c.Others)}."));
        }
        if (import is not null)
        {
            var added = Median(import.WithImport) - Median(import.Bare);
            sb.AppendLine(string.Create(Inv, $"- Import-Module adds {added * 1000:F0} ms to a bare pwsh start (target at most {ImportTarget * 1000:F0} ms): **{Verdict(added <= ImportTarget)}**{Loaded(import.Others)}."));
        }
        foreach (var c in s3)
        {
            var fetched = (double)c.Cold.FetchedBytes / c.Cold.ObjectBytes;
            var ratio = Median(c.Warm.Select(r => r.Seconds)) / Median(c.Local.Select(r => r.Seconds));
            var identical = c.Warm.Prepend(c.Cold).All(r => r.Rows == c.Local[0].Rows);
            sb.AppendLine(string.Create(Inv, $"- S3, {c.Month.Rows:N0} rows written by {c.Month.Writer}: a cold per-principal query fetches {100 * fetched:F1}% of the export's bytes " +
                                             $"(target at most {100 * FetchTarget:F0}%): **{Verdict(fetched <= FetchTarget)}**; a warm rerun fetches {c.Warm.Sum(r => r.FetchedBytes):N0} bytes " +
                                             $"(target nothing): **{Verdict(c.Warm.All(r => r.FetchedBytes == 0))}** and takes {ratio:F2}x the local files' time (target at most {WarmTarget:F1}x): " +
                                             $"**{Verdict(ratio <= WarmTarget)}**{Loaded(c.Others)}; results identical to the local engine's: **{Verdict(identical)}**."));
        }
        var sizes = cells.Where(c => c.Cmdlet.Count > 0).Select(c => c.Month.Rows).Distinct().Order().ToArray();
        if (sizes.Length > 1)
            foreach (var writer in o.Writers)
            {
                var small = cells.Where(c => c.Month.Rows == sizes[0] && c.Month.Writer == writer).SelectMany(c => c.Cmdlet).ToList();
                var large = cells.Where(c => c.Month.Rows == sizes[^1] && c.Month.Writer == writer).SelectMany(c => c.Cmdlet).ToList();
                if (small.Count == 0 || large.Count == 0) continue;
                var growth = Median(large.Select(r => (double)r.PeakBytes)) / Median(small.Select(r => (double)r.PeakBytes));
                sb.AppendLine(string.Create(Inv, $"- Memory (information): the module's peak at {sizes[^1]:N0} rows / at {sizes[0]:N0} rows, files written by {writer}, " +
                                                 $"= {growth:F2}x (medians over both groupings)."));
            }

        sb.AppendLine();
        sb.AppendLine("## Where the memory goes");
        sb.AppendLine();
        sb.AppendLine("The engine streams row groups with a bounded number of workers (one per core) and buffers each worker reuses " +
                      "from row group to row group: its peak live managed memory (sampled every 5 ms with a full collection, in one " +
                      "extra run of each month, by Principal) is " +
                      string.Join(", ", cells.Where(c => c.Live is not null)
                          .Select(c => string.Create(Inv, $"{Measure.Mib(c.Live!.PeakBytes)} MiB at {c.Month.Rows:N0} rows written by {c.Month.Writer}"))) +
                      ". The peak resident set of the cmdlet runs above also counts PowerShell and the memory the .NET GC keeps committed.");
        if (failures.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Correctness check failures");
            foreach (var f in failures) sb.AppendLine("- " + f);
        }
        sb.AppendLine();
        sb.AppendLine("## How to run");
        sb.AppendLine();
        sb.AppendLine("```");
        sb.AppendLine("dotnet tool restore");
        sb.AppendLine("dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench                # 2M and 10M rows (generates ~1.5 GB once, cached in output/bench-data)");
        sb.AppendLine("dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -Rows 200000   # quick");
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("The DuckDB query, by Principal:");
        sb.AppendLine();
        sb.AppendLine("```sql");
        sb.AppendLine(Measure.Sql("<dir>", Groupings.Principal).Trim());
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("By Principal + Model + TokenType:");
        sb.AppendLine();
        sb.AppendLine("```sql");
        sb.AppendLine(Measure.Sql("<dir>", Groupings.PrincipalModelToken).Trim());
        sb.AppendLine("```");
        return sb.ToString();
    }

    private static string Verdict(bool met) => met ? "met" : "missed";

    /// <summary>A time taken while other processes used the machine is marked as such.</summary>
    private static string Loaded(double others) =>
        double.IsNaN(others) || others > OthersCpu.Quiet ? $" (timed while others took {OthersCpu.Show(others)} of the machine: not representative)" : "";
    private static string Show(string grouping) => grouping.Replace(",", " + ");

    /// <summary>Each top-level column's compressed bytes over all row groups of a month's Parquet files, as a share of them all, largest first.</summary>
    private static List<KeyValuePair<string, double>> ColumnShares(string dir)
    {
        var bytes = new Dictionary<string, long>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(file);
            var reader = Parquet.ParquetReader.CreateAsync(stream, leaveStreamOpen: true).GetAwaiter().GetResult();
            foreach (var rowGroup in reader.Metadata!.RowGroups)
                foreach (var chunk in rowGroup.Columns)
                {
                    var name = chunk.MetaData!.PathInSchema[0];
                    bytes[name] = bytes.GetValueOrDefault(name) + chunk.MetaData.TotalCompressedSize;
                }
        }
        double total = bytes.Values.Sum();
        return bytes.OrderByDescending(kv => kv.Value).Select(kv => KeyValuePair.Create(kv.Key, kv.Value / total)).ToList();
    }

    /// <summary>The flat columns the engine reads for a query by Principal over an export (the billing period known from its layout).</summary>
    private static IEnumerable<string> ColumnsReadByPrincipal()
    {
        var query = new BedrockCost.Core.Aggregation.CostQuery { GroupBy = [BedrockCost.Core.Aggregation.GroupDimension.Parse(Groupings.Principal)] };
        var read = new BedrockCost.Core.Cur.CurFileRead("", "2026-05", new BedrockCost.Core.Aggregation.Aggregator(query), query, null);
        return BedrockCost.Core.Cur.ParquetCurReader.ColumnsRead(read).Select(c => c.Name);
    }

    /// <summary>Which of the module's assemblies are ReadyToRun images, and whether this machine's runtime reads their format.</summary>
    private static string ReadyToRunNote(string? module)
    {
        if (module is null) return "no module measured";
        var images = Directory.EnumerateFiles(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(module))!, "bin"), "*.dll").Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Format: ReadyToRunFormat(f))).Where(x => x.Format > 0).ToList();
        if (images.Count == 0) return "this build is IL only";
        // The benchmark and pwsh run on the same .NET; its CoreLib is precompiled in the format that runtime reads.
        var used = images.All(x => x.Format == ReadyToRunFormat(typeof(object).Assembly.Location));
        return string.Create(Inv, $"this build ships ReadyToRun images of {string.Join(", ", images.Select(x => x.Name))}, in format " +
            $"{images[0].Format} ({(used ? "the one this machine's .NET runtime reads, so used" : "**not** the one this machine's .NET runtime reads, so ignored")})");
    }

    /// <summary>The major format version of a ReadyToRun image (the READYTORUN_HEADER behind the PE's managed native header), 0 for IL only.</summary>
    private static int ReadyToRunFormat(string file)
    {
        var bytes = File.ReadAllBytes(file);
        using var pe = new System.Reflection.PortableExecutable.PEReader(new MemoryStream(bytes));
        var native = pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory;
        return native is { Size: >= 8 } n && pe.PEHeaders.TryGetDirectoryOffset(n, out var at)
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == 0x00525452 // 'RTR'
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 4)) : 0;
    }

    private static string Fmt(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("F3", Inv) + " s";

    private static string Totals(Cell c, List<RunResult> module, List<RunResult> duckdb)
    {
        var mt = Math.Round(module.First().Total, 2);
        var dt = Math.Round(duckdb.First().Total, 2);
        var ex = Math.Round(c.Month.Expected, 2);
        return string.Create(Inv, $"{mt} {(mt == dt ? "=" : "≠")} {dt} {(dt == ex ? "=" : "≠")} {ex}");
    }

    /// <summary>Median of the runs' peaks, and the largest in brackets (the GC's timing moves a single run's peak).</summary>
    private static string PeakMib(List<RunResult> runs) => runs.Count == 0 ? "-" :
        $"{Measure.Mib((long)Median(runs.Select(r => (double)r.PeakBytes)))} ({Measure.Mib(runs.Max(r => r.PeakBytes))}) MiB";

    private static string DuckDbVersion()
    {
        try
        {
            using var c = new DuckDB.NET.Data.DuckDBConnection("Data Source=:memory:");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT version()";
            return Convert.ToString(cmd.ExecuteScalar(), Inv) ?? "?";
        }
        catch (Exception e) { return "? (" + e.Message + ")"; }
    }
}
