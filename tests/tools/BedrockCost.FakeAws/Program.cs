using BedrockCost.FakeAws;

// Usage: BedrockCost.FakeAws athena [--export DATABASE.TABLE=EXPORT_FOLDER]... [--fail TABLE] [--hang TABLE] [--page-size N]
//                                   [--throttle OPERATION|none] [--region R] [--access-key AK] [--secret-key SK]
//        BedrockCost.FakeAws dataexports [--unwritable BUCKET]... [--source EXPORT_FOLDER --deliver-to FOLDER]
//        BedrockCost.FakeAws duckdb STATEMENT...   (runs the statements in one in-memory DuckDB, UTC, and exits: test data
//                                                  the module did not write, for Pester)
// Prints "listening <url>" and serves until stdin closes. GET /__requests returns the request log; Athena: GET /__queries
// the queries with the SQL DuckDB ran; Data Exports: GET /__exports the exports created.
var service = args.FirstOrDefault() ?? throw new ArgumentException("name a service: athena or dataexports");
if (service == "duckdb")
{
    using var db = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
    db.Open();
    foreach (var statement in args.Skip(1).Prepend("SET TimeZone = 'UTC'"))
    {
        using var command = db.CreateCommand();
        command.CommandText = statement;
        command.ExecuteNonQuery();
    }
    return;
}
var opts = args.Skip(1).Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .Select(x => (Key: x.a[2..], Value: x.i + 2 < args.Length ? args[x.i + 2] : "")).ToList();
string? One(string key) => opts.LastOrDefault(o => o.Key == key).Value;
IEnumerable<string> All(string key) => opts.Where(o => o.Key == key).Select(o => o.Value);
var accessKey = One("access-key") ?? "AKIAFAKEAWS000000001";
var secretKey = One("secret-key") ?? "fake/aws/secret+key00000000000000000000";

using JsonProtocolServer server = service switch
{
    "athena" => CreateAthena(),
    "dataexports" => CreateDataExports(),
    _ => throw new ArgumentException($"unknown service {service}"),
};
server.Start();
Console.WriteLine($"listening {server.Url}");
Console.Out.Flush();
await Console.In.ReadToEndAsync();

FakeAthena CreateAthena()
{
    var throttle = One("throttle");
    var fake = new FakeAthena(One("region") ?? "us-east-1")
    {
        AccessKey = accessKey, SecretKey = secretKey,
        PageSize = One("page-size") is { } p ? int.Parse(p) : 1000,
        ThrottleOperation = throttle is null ? "GetQueryResults" : throttle == "none" ? null : throttle,
    };
    foreach (var e in All("export"))
    {
        var (name, folder) = (e[..e.IndexOf('=')], e[(e.IndexOf('=') + 1)..]);
        fake.AddExport(name[..name.IndexOf('.')], name[(name.IndexOf('.') + 1)..], folder);
    }
    foreach (var t in All("fail")) fake.FailingTables.Add(t);
    foreach (var t in All("hang")) fake.HangingTables.Add(t);
    return fake;
}

FakeDataExports CreateDataExports()
{
    var fake = new FakeDataExports { AccessKey = accessKey, SecretKey = secretKey, SourceExport = One("source"), DeliveryRoot = One("deliver-to") };
    foreach (var b in All("unwritable")) fake.UnwritableBuckets.Add(b);
    return fake;
}
