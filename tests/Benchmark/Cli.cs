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
            case "sql":
                Console.WriteLine(Measure.Sql(Arg("path", "."), Arg("group", Groupings.Principal)));
                return 0;
            case "dump":
                await Measure.DumpAsync(Arg("path", "."), Arg("group", Groupings.Principal), Arg("model", ""), Arg("account", ""));
                return 0;
            case "query":
                Measure.Print(Arg("sql", "SELECT 1"));
                return 0;
            default:
                return await Runner.RunAsync(args);
        }
    }
}
