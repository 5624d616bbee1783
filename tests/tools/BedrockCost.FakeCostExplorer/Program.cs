using BedrockCost.FakeCostExplorer;

// Usage: BedrockCost.FakeCostExplorer [--page-size N] [--throttle-first N] [--access-key AK] [--secret-key SK]
// Prints "listening <url>" and serves until stdin closes. GET /__requests returns the request log, GET /__records the data.
var opts = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--")).ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "");
using var server = new FakeCostExplorer
{
    PageSize = opts.TryGetValue("page-size", out var ps) ? int.Parse(ps) : 3,
    ThrottleFirst = opts.TryGetValue("throttle-first", out var tf) ? int.Parse(tf) : 1,
    AccessKey = opts.GetValueOrDefault("access-key", FakeCostExplorer.DefaultAccessKey),
    SecretKey = opts.GetValueOrDefault("secret-key", FakeCostExplorer.DefaultSecretKey),
};
server.Start();
Console.WriteLine($"listening {server.Url}");
Console.Out.Flush();
await Console.In.ReadToEndAsync();
