namespace BedrockCost.Benchmark;

internal static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "run";
        string Arg(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        switch (mode)
        {
            case "engine":
                // --repeat N: N queries in one process (the first pays for JIT compilation); each is printed.
                for (var i = int.Parse(Arg("repeat", "1"), System.Globalization.CultureInfo.InvariantCulture); i > 0; i--)
                    Console.WriteLine(Measure.ToJson(await Measure.EngineAsync(Arg("path", "."), Arg("group", Groupings.Principal))));
                return 0;
            case "live":
                Console.WriteLine(Measure.ToJson(await Measure.LiveAsync(Arg("path", "."), Arg("group", Groupings.Principal))));
                return 0;
            case "duckdb":
                Console.WriteLine(Measure.ToJson(Measure.DuckDb(Arg("path", "."), Arg("group", Groupings.Principal))));
                return 0;
            case "warm":
                // --repeat N: N rounds in one process, each the engine then DuckDB, so that both see the same load;
                // the first round (JIT, file cache, DuckDB's first load) is the warm-up.
                for (var i = int.Parse(Arg("repeat", "1"), System.Globalization.CultureInfo.InvariantCulture); i > 0; i--)
                {
                    Console.WriteLine(Measure.ToJson(await Measure.EngineAsync(Arg("path", "."), Arg("group", Groupings.Principal))));
                    Console.WriteLine(Measure.ToJson(Measure.DuckDb(Arg("path", "."), Arg("group", Groupings.Principal))));
                }
                return 0;
            case "sql":
                Console.WriteLine(Measure.Sql(Arg("path", "."), Arg("group", Groupings.Principal)));
                return 0;
            case "dump":
                await Measure.DumpAsync(Arg("path", "."), Arg("group", Groupings.Principal), Arg("model", ""), Arg("account", ""));
                return 0;
            case "s3":
                await Measure.S3Async(Arg("path", "."), Arg("endpoint", ""), Arg("bucket", "bench"), Arg("prefix", "m"), Arg("group", Groupings.Principal),
                    int.Parse(Arg("repeat", "5"), System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(Arg("warm-ups", "0"), System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case "decode":
                // Decodes the named columns of every row group of one file, --repeat times: the page decoder alone;
                // --every N: only every Nth slot wanted, as the engine reads the columns it decodes only for the rows that count.
                Measure.Decode(Arg("path", "."), Arg("columns", "line_item_usage_type"), int.Parse(Arg("repeat", "5"), System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(Arg("every", "1"), System.Globalization.CultureInfo.InvariantCulture));
                return 0;
            case "micro":
            {
                var rng = new Random(1);
                var data = new List<byte>();
                if (Arg("shape", "rle") == "rle")
                    for (var i = 0; i < 1_000_000; i++) { var c = rng.Next(4) == 0 ? 2 : 1; data.Add((byte)(c << 1)); data.Add((byte)rng.Next(30)); i += c - 1; }
                else
                    for (var run = 0; run < 1000; run++) { data.AddRange([0xFB, 0x01]); for (var b = 0; b < 125 * 5; b++) data.Add((byte)rng.Next(256)); }
                var bytes = data.ToArray();
                var d = new BedrockCost.Core.Cur.Decoding.HybridDecoder();
                var dest = new int[8192];
                for (var round = 0; round < 5; round++)
                {
                    d.Reset(bytes, 0, bytes.Length, 5);
                    var cpu = Measure.CpuTime();
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    long total = 0;
                    try { while (true) { d.Read(dest); total += dest.Length; } } catch (InvalidDataException) { }
                    Console.WriteLine($"{sw.Elapsed.TotalMilliseconds * 1e6 / total:F2} ns/value wall, {(Measure.CpuTime() - cpu) * 1e9 / total:F2} cpu, over {total} values");
                }
                return 0;
            }
            case "query":
                Measure.Print(Arg("sql", "SELECT 1"));
                return 0;
            default:
                return await Runner.RunAsync(args);
        }
    }
}
