using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BedrockCost.TestData;

namespace BedrockCost.Benchmark;

/// <summary>
/// The Bench task: generates (or reuses) the months, then times, for each size and grouping, the cmdlet in a
/// fresh pwsh, the engine in a fresh process of this program, and DuckDB in a fresh process of this program.
/// Runs of the three are interleaved so that a busy machine slows them alike. Writes results.md and .json.
/// </summary>
internal static class Runner
{
    private sealed record Options(long[] Rows, int[] Runs, string DataRoot, string OutDir, string? Docs, string? Module,
        string[] Pwsh, int RowGroup, string RepoRoot);

    private sealed record Cell(long Rows, int Files, double MiB, string Grouping, List<RunResult> Cmdlet, List<RunResult> Engine,
        List<RunResult> DuckDb, decimal Expected)
    {
        /// <summary>Engine runs with DOTNET_GCConserveMemory=7: how much of the peak is memory the GC keeps, not data.</summary>
        public List<RunResult> EngineConserve { get; } = [];
        /// <summary>The engine's peak live managed memory (one sampled run).</summary>
        public RunResult? Live { get; set; }
    }

    private const string ConserveMemory = "DOTNET_GCConserveMemory";

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
            var (dir, files, mib, expected) = await EnsureDataAsync(o, rows);
            foreach (var grouping in Groupings.All)
            {
                Console.WriteLine($"== {rows:N0} rows, {files} files, {mib:F0} MiB, by {grouping}: 1 warm-up + {runs} runs each");
                var cell = new Cell(rows, files, mib, grouping, [], [], [], expected);
                for (var i = 0; i <= runs; i++)
                {
                    var c = o.Module is null ? null : RunCmdlet(o, dir, grouping);
                    var e = RunSelf("engine", dir, grouping);
                    var d = RunSelf("duckdb", dir, grouping);
                    Console.WriteLine($"   {(i == 0 ? "warm-up" : $"run {i}"),-8} cmdlet {Show(c)}  engine {Show(e)}  duckdb {Show(d)}");
                    if (i == 0) continue;
                    if (c is not null) cell.Cmdlet.Add(c);
                    cell.Engine.Add(e);
                    cell.DuckDb.Add(d);
                }
                for (var i = 0; i < Math.Min(runs, 3); i++) cell.EngineConserve.Add(RunSelf("engine", dir, grouping, (ConserveMemory, "7")));
                Console.WriteLine($"   engine with {ConserveMemory}=7: {string.Join(", ", cell.EngineConserve.Select(r => Show(r)))}");
                cell.Live = RunSelf("live", dir, grouping);
                Console.WriteLine($"   engine peak live managed memory: {Measure.Mib(cell.Live.PeakBytes)} MiB");
                failures.AddRange(Check(cell));
                cells.Add(cell);
            }
        }

        var markdown = Markdown(o, cells, failures);
        await File.WriteAllTextAsync(Path.Combine(o.OutDir, "results.md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(o.OutDir, "results.json"),
            JsonSerializer.Serialize(new { machine = Machine(), cells, failures }, new JsonSerializerOptions { WriteIndented = true }));
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
        var repo = Arg("repo") ?? FindRepoRoot();
        var rows = (Arg("rows") ?? "1000000,10000000").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => long.Parse(r, Inv)).ToArray();
        var runs = Arg("runs") is { } r2
            ? r2.Split(',').Select(x => int.Parse(x, Inv)).ToArray()
            : rows.Select(n => n > 2_000_000 ? 3 : 5).ToArray();
        var module = Arg("module") ?? Path.Combine(repo, "output", "BedrockCost", "BedrockCost.psd1");
        if (args.Contains("--no-cmdlet")) module = null;
        else if (!File.Exists(module)) throw new FileNotFoundException($"No built module at '{module}': run build.ps1 -Task Build first, or pass --no-cmdlet.");
        var pwsh = Arg("pwsh") is { } p ? p.Split('|', StringSplitOptions.RemoveEmptyEntries) : ["pwsh"];
        return new Options(rows, runs,
            Arg("data") ?? Path.Combine(repo, "output", "bench-data"),
            Arg("out") ?? Path.Combine(repo, "output", "bench"),
            args.Contains("--no-docs") ? null : Arg("docs") ?? Path.Combine(repo, "docs", "benchmark.md"),
            module, pwsh, int.Parse(Arg("row-group") ?? "100000", Inv), repo);
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BedrockCost.sln"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }

    /// <summary>Several files, as a large export has: about 500,000 rows each, at least four.</summary>
    private static int FilesFor(long rows) => (int)Math.Clamp(rows / 500_000, 4, 64);

    /// <summary>The month of <paramref name="rows"/> rows, generated unless present with the same parameters.</summary>
    private static async Task<(string Dir, int Files, double MiB, decimal Expected)> EnsureDataAsync(Options o, long rows)
    {
        var dir = Path.Combine(o.DataRoot, $"rows-{rows}");
        var files = FilesFor(rows);
        // Bump the version when the generator's output changes.
        var stamp = $"bench-data v3 rows={rows} files={files} rowGroup={o.RowGroup} period={Period:yyyy-MM} seed=42";
        var stampFile = Path.Combine(dir, "bench-params.txt");
        var expectedFile = Path.Combine(dir, "expected.json");
        if (!File.Exists(stampFile) || await File.ReadAllTextAsync(stampFile) != stamp || !File.Exists(expectedFile))
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Console.WriteLine($"Generating {rows:N0} rows in {files} files under {dir} ...");
            var sw = Stopwatch.StartNew();
            var written = await BenchExport.WriteAsync(dir, rows, files, o.RowGroup, Period);
            Console.WriteLine($"  {written.Period.Rows:N0} rows, {written.Bytes / 1048576.0:F0} MiB in {sw.Elapsed.TotalSeconds:F0} s");
            await File.WriteAllTextAsync(stampFile, stamp);
        }
        else Console.WriteLine($"Reusing {dir} ({stamp}).");
        var expected = ExpectedJson.Load(expectedFile).Periods[0].Single.Bedrock.UnblendedCost;
        var bytes = Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        return (dir, files, bytes / 1048576.0, expected);
    }

    private static RunResult RunSelf(string mode, string dir, string grouping, (string Name, string Value)? env = null)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self);
        if (env is { } e) psi.Environment[e.Name] = e.Value;
        // Under `dotnet Benchmark.dll` the process is dotnet: pass the dll.
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(typeof(Runner).Assembly.Location);
        foreach (var a in new[] { mode, "--path", dir, "--group", grouping }) psi.ArgumentList.Add(a);
        return Run(psi, mode);
    }

    /// <summary>The cmdlet as an admin runs it, in a fresh pwsh: import, then time the one command.</summary>
    private static RunResult RunCmdlet(Options o, string dir, string grouping)
    {
        static string Q(string s) => "'" + s.Replace("'", "''") + "'";
        var groupBy = string.Join(",", grouping.Split(',').Select(Q));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Import-Module {{Q(o.Module!)}}
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $rows = @(Get-BedrockCostByPrincipal -LiteralPath {{Q(dir)}} -GroupBy {{groupBy}})
            $sw.Stop()
            [decimal]$total = 0
            foreach ($r in $rows) { $total += $r.UnblendedCost }
            $p = [Diagnostics.Process]::GetCurrentProcess(); $p.Refresh()
            [ordered]@{ Engine = 'cmdlet'; Grouping = {{Q(grouping)}}; Seconds = $sw.Elapsed.TotalSeconds; Total = $total;
                        Groups = $rows.Count; PeakBytes = $p.PeakWorkingSet64; RowsScanned = 0 } | ConvertTo-Json -Compress
            """;
        var psi = new ProcessStartInfo(o.Pwsh[0]) { WorkingDirectory = o.RepoRoot };
        foreach (var a in o.Pwsh.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", script }) psi.ArgumentList.Add(a);
        return Run(psi, "cmdlet");
    }

    private static RunResult Run(ProcessStartInfo psi, string what)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'));
        if (p.ExitCode != 0 || last is null)
            throw new InvalidOperationException($"{what} run failed (exit {p.ExitCode}): {stdout}\n{stderr.Result}");
        return Measure.FromJson(last);
    }

    private static string Show(RunResult? r) => r is null ? "-" : $"{r.Seconds,6:F2} s {Measure.Mib(r.PeakBytes),5} MiB";

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Correctness: every run of every engine gives the generator's Bedrock total, to the cent.</summary>
    private static IEnumerable<string> Check(Cell c)
    {
        foreach (var r in c.Cmdlet.Concat(c.Engine).Concat(c.DuckDb).Concat(c.EngineConserve))
            if (Math.Round(r.Total, 2) != Math.Round(c.Expected, 2))
                yield return $"{c.Rows:N0} rows by {c.Grouping}: {r.Engine} total {r.Total} differs from the expected {c.Expected}";
    }

    private static string Machine()
    {
        var mem = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} logical cores, {mem:F0} GiB memory, {RuntimeInformation.OSDescription}, " +
               $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}";
    }

    private static string Markdown(Options o, List<Cell> cells, List<string> failures)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmark: Get-BedrockCostByPrincipal against DuckDB");
        sb.AppendLine();
        sb.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine()}. DuckDB {DuckDbVersion()} (DuckDB.NET.Data.Full).");
        sb.AppendLine();
        sb.AppendLine("Data: synthetic CUR 2.0 months (the full 125-column schema, about 5% Bedrock rows spread through every row group, " +
                      $"dictionary-encoded snappy Parquet, row groups of {o.RowGroup:N0} rows, about 500,000 rows a file), " +
                      "generated by `tests/tools/BedrockCost.TestData` (`BenchExport`) into `output/bench-data`.");
        sb.AppendLine();
        sb.AppendLine("Each run is a fresh process, timed around the query only: **module** = `Get-BedrockCostByPrincipal -LiteralPath <dir> -GroupBy ...` " +
                      "in a new `pwsh` after `Import-Module` (its peak is the whole pwsh process); **engine** = the module's engine in-process " +
                      "(`CurSource.Local` + `CostQuery`, no PowerShell); **DuckDB** = the equivalent SQL over `read_parquet('<dir>/**/*.parquet')` " +
                      "in a new process. One warm-up run of each, then the medians of the measured runs. Every run's total Bedrock cost is checked " +
                      "against the generator's expected total, to the cent.");
        sb.AppendLine();
        sb.AppendLine("| Rows | Files | Grouping | Runs | Module median | Engine median | DuckDB median | Module / DuckDB | Module rows/s | Module peak | Engine peak | DuckDB peak | Total (module = DuckDB) |");
        sb.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var c in cells)
        {
            var m = Median(c.Cmdlet.Select(r => r.Seconds));
            var e = Median(c.Engine.Select(r => r.Seconds));
            var d = Median(c.DuckDb.Select(r => r.Seconds));
            var main = double.IsNaN(m) ? e : m;
            var mt = c.Cmdlet.Concat(c.Engine).First().Total;
            var dt = c.DuckDb.First().Total;
            sb.AppendLine(string.Create(Inv,
                $"| {c.Rows:N0} | {c.Files} | {c.Grouping.Replace(",", " + ")} | {c.Engine.Count} | {Fmt(m)} | {Fmt(e)} | {Fmt(d)} | {main / d:F2}x | " +
                $"{c.Rows / main / 1e6:F1} M | {PeakMib(c.Cmdlet)} | {PeakMib(c.Engine)} | {PeakMib(c.DuckDb)} | " +
                $"{Math.Round(mt, 2)} {(Math.Round(mt, 2) == Math.Round(dt, 2) ? "=" : "≠")} {Math.Round(dt, 2)} |"));
        }
        sb.AppendLine();
        sb.AppendLine("Peaks are the peak resident set (VmHWM) of each run's process: the median over the measured runs, and the largest in brackets, in MiB. " +
                      "The module's includes PowerShell itself (about 150 MiB after `Import-Module`).");
        sb.AppendLine();

        sb.AppendLine("## Targets");
        sb.AppendLine();
        var largest = cells.Max(c => c.Rows);
        var smallest = cells.Min(c => c.Rows);
        foreach (var g in Groupings.All)
        {
            var big = cells.FirstOrDefault(c => c.Rows == largest && c.Grouping == g);
            if (big is null) continue;
            var runs = big.Cmdlet.Count > 0 ? big.Cmdlet : big.Engine;
            var ratio = Median(runs.Select(r => r.Seconds)) / Median(big.DuckDb.Select(r => r.Seconds));
            sb.AppendLine(string.Create(Inv, $"- Time, {largest:N0} rows by {g.Replace(",", " + ")}: module / DuckDB = {ratio:F2}x (target at most 1.5x): **{(ratio <= 1.5 ? "met" : "missed")}**."));
            var small = cells.FirstOrDefault(c => c.Rows == smallest && c.Grouping == g);
            if (small is not null && smallest != largest)
            {
                var smallRuns = small.Cmdlet.Count > 0 ? small.Cmdlet : small.Engine;
                var growth = Median(runs.Select(r => (double)r.PeakBytes)) / Median(smallRuns.Select(r => (double)r.PeakBytes));
                var growthMax = (double)runs.Max(r => r.PeakBytes) / smallRuns.Max(r => r.PeakBytes);
                sb.AppendLine(string.Create(Inv, $"- Memory, by {g.Replace(",", " + ")}: module peak at {largest:N0} rows / at {smallest:N0} rows = {growth:F2}x by medians, {growthMax:F2}x by the largest (target at most 1.2x): **{(growth <= 1.2 ? "met" : "missed")}**."));
            }
        }
        sb.AppendLine();
        sb.AppendLine("## Where the memory goes");
        sb.AppendLine();
        sb.AppendLine("The engine streams row groups with a bounded number of workers and reusable buffers: its peak live managed memory " +
                      "(sampled every 5 ms with a full collection, in one extra run of each size) is " +
                      string.Join(", ", cells.Where(c => c.Live is not null && c.Grouping == Groupings.Principal)
                          .Select(c => string.Create(Inv, $"{Measure.Mib(c.Live!.PeakBytes)} MiB at {c.Rows:N0} rows"))) +
                      " (by Principal). The peak resident set " +
                      "still depends on how much freed memory the .NET GC keeps committed, which grows with the allocation volume of a long read " +
                      $"(Parquet.Net allocates page buffers for every column chunk it decodes). The same engine runs with `{ConserveMemory}=7` " +
                      "(the GC compacts and returns memory more eagerly; settable for `pwsh` by the environment) show what is data and what is " +
                      "retained memory:");
        sb.AppendLine();
        sb.AppendLine("| Rows | Grouping | Engine median | Engine peak | With GCConserveMemory=7: median | peak |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|");
        foreach (var c in cells.Where(c => c.EngineConserve.Count > 0))
            sb.AppendLine(string.Create(Inv, $"| {c.Rows:N0} | {c.Grouping.Replace(",", " + ")} | {Fmt(Median(c.Engine.Select(r => r.Seconds)))} | {PeakMib(c.Engine)} | " +
                                             $"{Fmt(Median(c.EngineConserve.Select(r => r.Seconds)))} | {PeakMib(c.EngineConserve)} |"));
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
        sb.AppendLine("dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench                # 1M and 10M rows (generates ~0.7 GB once, cached in output/bench-data)");
        sb.AppendLine("dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -Rows 200000   # quick");
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine("The DuckDB query (by Principal; the other grouping adds model and token type taken from the product map and the usage type):");
        sb.AppendLine();
        sb.AppendLine("```sql");
        sb.AppendLine(Measure.Sql("<dir>", Groupings.Principal).Trim());
        sb.AppendLine("```");
        return sb.ToString();
    }

    private static string Fmt(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString("F2", Inv) + " s";
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
