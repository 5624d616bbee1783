using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using BedrockCost.FakeAws;

namespace BedrockCost.FakeCostExplorer;

/// <summary>One day of cost of one service, account and tag set (the fake's billing data).</summary>
public sealed record CeRecord(DateTime Day, string Service, string Account, IReadOnlyDictionary<string, string> Tags, decimal Unblended, decimal Net, string Currency = "USD");

public sealed class CeTag
{
    public string TagKey { get; init; } = "";
    public string Type { get; init; } = "UserDefined";
    public string Status { get; set; } = "Inactive";
    public string LastUpdatedDate { get; set; } = "2026-05-01T00:00:00Z";
    public string? LastUsedDate { get; init; } = "2026-06-05T00:00:00Z";
}

/// <summary>
/// Cost Explorer over HTTP on 127.0.0.1, in the documented JSON 1.1 shapes: GetDimensionValues,
/// GetCostAndUsage (DAILY/MONTHLY, up to two GroupBy, Filter with And/Dimensions/Tags, key$value tag
/// keys, NextPageToken pages of <see cref="PageSize"/> groups), ListCostAllocationTags (NextToken),
/// UpdateCostAllocationTagsStatus (Errors for unknown keys). The wire (X-Amz-Target AWSInsightsIndexService.*,
/// Content-Type, the SigV4 signature for service ce in us-east-1, the request log) is the shared
/// <see cref="JsonProtocolServer"/>. The first <see cref="ThrottleFirst"/> GetCostAndUsage calls get a ThrottlingException.
/// </summary>
public sealed class FakeCostExplorer : JsonProtocolServer
{
    public const string DefaultAccessKey = "AKIAFAKECE0000000001";
    public const string DefaultSecretKey = "fake/ce/secret+key0000000000000000000000";
    private int _throttled;

    public FakeCostExplorer() : base("ce", "us-east-1", "AWSInsightsIndexService")
    {
        AccessKey = DefaultAccessKey;
        SecretKey = DefaultSecretKey;
    }

    public int PageSize { get; init; } = 3;
    public int ThrottleFirst { get; init; } = 1;
    public List<CeRecord> Records { get; } = SampleRecords();
    public List<CeTag> Tags { get; } = new()
    {
        new() { TagKey = "iamPrincipal/team", Status = "Active" },
        new() { TagKey = "iamPrincipal/cost-center", Status = "Inactive", LastUsedDate = null },
        new() { TagKey = "iamPrincipal/project", Status = "Inactive" },
        new() { TagKey = "Project", Status = "Active" },
    };

    public static List<CeRecord> SampleRecords()
    {
        var services = new[] { "Amazon Bedrock", "Claude Sonnet 4 (Amazon Bedrock Edition)", "Amazon Elastic Compute Cloud - Compute" };
        var accounts = new[] { "111111111111", "222222222222" };
        var teams = new[] { "alpha", "beta", "" };
        var list = new List<CeRecord>();
        var n = 0;
        foreach (var month in new[] { new DateTime(2026, 5, 1), new DateTime(2026, 6, 1) })
            for (var d = 0; d < 4; d++)
                foreach (var s in services)
                    foreach (var a in accounts)
                        foreach (var t in teams)
                        {
                            n++;
                            if (n % 7 == 0) continue; // holes: not every combination has cost every day
                            var tags = new Dictionary<string, string>();
                            if (t.Length > 0) { tags["iamPrincipal/team"] = t; tags["iamPrincipal/cost-center"] = t == "alpha" ? "cc-100" : "cc-200"; }
                            var cost = Math.Round(0.0123457m * n + 0.5m * (n % 5), 8);
                            list.Add(new CeRecord(DateTime.SpecifyKind(month.AddDays(d), DateTimeKind.Utc), s, a, tags, cost, Math.Round(cost * 0.9m, 8)));
                        }
        return list;
    }

    protected override string? Inspect(string path) => path == "/__records" ? JsonSerializer.Serialize(Records) : null;

    protected override JsonNode Answer(string operation, JsonObject input) => operation switch
    {
        "GetDimensionValues" => GetDimensionValues(input),
        "GetCostAndUsage" => GetCostAndUsage(input),
        "ListCostAllocationTags" => ListCostAllocationTags(input),
        "UpdateCostAllocationTagsStatus" => UpdateTags(input),
        var op => throw new AwsFault(400, "UnknownOperationException", $"Unknown operation {op}"),
    };

    private static (DateTime Start, DateTime End) Period(JsonObject input)
    {
        var tp = input["TimePeriod"]!.AsObject();
        var s = DateTime.ParseExact((string)tp["Start"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var e = DateTime.ParseExact((string)tp["End"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (s >= e) throw new AwsFault(400, "ValidationException", "Start date must be before end date");
        return (s, e);
    }

    private JsonNode GetDimensionValues(JsonObject input)
    {
        var (s, e) = Period(input);
        if ((string?)input["Dimension"] != "SERVICE") throw new AwsFault(400, "ValidationException", "fake supports SERVICE only");
        var all = Records.Where(r => r.Day >= s && r.Day < e).Select(r => r.Service).Distinct().Order(StringComparer.Ordinal).ToList();
        var offset = input["NextPageToken"] is { } t ? int.Parse(((string)t!)[2..]) : 0;
        var page = all.Skip(offset).Take(2).ToList();
        var res = new JsonObject
        {
            ["DimensionValues"] = new JsonArray(page.Select(v => (JsonNode)new JsonObject { ["Value"] = v, ["Attributes"] = new JsonObject() }).ToArray()),
            ["ReturnSize"] = page.Count,
            ["TotalSize"] = all.Count,
        };
        if (offset + 2 < all.Count) res["NextPageToken"] = $"dv{offset + 2}";
        return res;
    }

    private JsonNode GetCostAndUsage(JsonObject input)
    {
        if (Interlocked.Increment(ref _throttled) <= ThrottleFirst) throw new AwsFault(400, "ThrottlingException", "Rate exceeded");
        var (s, e) = Period(input);
        var granularity = (string)input["Granularity"]!;
        var groupBy = input["GroupBy"]?.AsArray().Select(g => ((string)g!["Type"]!, (string)g["Key"]!)).ToList() ?? new();
        if (groupBy.Count > 2) throw new AwsFault(400, "ValidationException", "GroupBy accepts at most two entries");
        var metrics = input["Metrics"]!.AsArray().Select(x => (string)x!).ToList();
        var filter = input["Filter"];
        var selected = Records.Where(r => r.Day >= s && r.Day < e && (filter is null || Match(filter, r))).ToList();

        var buckets = new List<(DateTime Start, DateTime End)>();
        for (var b = s; b < e;)
        {
            var next = granularity == "DAILY" ? b.AddDays(1) : new DateTime(b.Year, b.Month, 1).AddMonths(1);
            if (next > e) next = e;
            buckets.Add((b, next));
            b = next;
        }
        // (bucket, keys, records) flattened, so pages can split a bucket's groups as Cost Explorer does.
        var flat = new List<(int Bucket, string[] Keys, List<CeRecord> Items)>();
        for (var i = 0; i < buckets.Count; i++)
        {
            var inBucket = selected.Where(r => r.Day >= buckets[i].Start && r.Day < buckets[i].End).ToList();
            if (groupBy.Count == 0) { flat.Add((i, Array.Empty<string>(), inBucket)); continue; }
            foreach (var g in inBucket.GroupBy(r => string.Join('\u001f', groupBy.Select(gb => GroupKey(gb, r)))).OrderBy(g => g.Key, StringComparer.Ordinal))
                flat.Add((i, g.Key.Split('\u001f'), g.ToList()));
        }
        var offset = input["NextPageToken"] is { } t ? int.Parse(((string)t!)[2..]) : 0;
        var size = groupBy.Count == 0 ? int.MaxValue : PageSize;
        var page = flat.Skip(offset).Take(size).ToList();
        var results = new JsonArray();
        foreach (var bucket in page.GroupBy(p => p.Bucket))
        {
            var (bs, be) = buckets[bucket.Key];
            var entry = new JsonObject
            {
                ["TimePeriod"] = new JsonObject { ["Start"] = bs.ToString("yyyy-MM-dd"), ["End"] = be.ToString("yyyy-MM-dd") },
                ["Total"] = groupBy.Count == 0 ? Metrics(metrics, bucket.SelectMany(x => x.Items)) : new JsonObject(),
                ["Groups"] = new JsonArray(groupBy.Count == 0 ? Array.Empty<JsonNode>() : bucket.Select(x => (JsonNode)new JsonObject
                {
                    ["Keys"] = new JsonArray(x.Keys.Select(k => (JsonNode)JsonValue.Create(k)!).ToArray()),
                    ["Metrics"] = Metrics(metrics, x.Items),
                }).ToArray()),
                ["Estimated"] = false,
            };
            results.Add(entry);
        }
        var res = new JsonObject
        {
            ["GroupDefinitions"] = new JsonArray(groupBy.Select(g => (JsonNode)new JsonObject { ["Type"] = g.Item1, ["Key"] = g.Item2 }).ToArray()),
            ["ResultsByTime"] = results,
            ["DimensionValueAttributes"] = new JsonArray(),
        };
        if (offset + size < flat.Count) res["NextPageToken"] = $"cu{offset + size}";
        return res;
    }

    private static JsonObject Metrics(List<string> names, IEnumerable<CeRecord> items)
    {
        var list = items.ToList();
        var o = new JsonObject();
        foreach (var n in names)
        {
            var amount = n switch { "UnblendedCost" => list.Sum(r => r.Unblended), "NetUnblendedCost" => list.Sum(r => r.Net), _ => throw new AwsFault(400, "ValidationException", $"fake does not serve metric {n}") };
            o[n] = new JsonObject { ["Amount"] = amount.ToString(CultureInfo.InvariantCulture), ["Unit"] = list.FirstOrDefault()?.Currency ?? "USD" };
        }
        return o;
    }

    private static string GroupKey((string Type, string Key) g, CeRecord r) => g switch
    {
        ("DIMENSION", "SERVICE") => r.Service,
        ("DIMENSION", "LINKED_ACCOUNT") => r.Account,
        ("TAG", var k) => $"{k}${r.Tags.GetValueOrDefault(k, "")}",
        _ => throw new AwsFault(400, "ValidationException", $"fake cannot group by {g.Type} {g.Key}"),
    };

    private static bool Match(JsonNode f, CeRecord r)
    {
        var o = f.AsObject();
        if (o["And"] is JsonArray and)
        {
            if (and.Count < 2) throw new AwsFault(400, "ValidationException", "And needs at least two expressions");
            return and.All(x => Match(x!, r));
        }
        if (o["Or"] is JsonArray or) return or.Any(x => Match(x!, r));
        if (o["Not"] is { } not) return !Match(not, r);
        if (o["Dimensions"] is JsonObject d)
        {
            var values = d["Values"]!.AsArray().Select(v => (string)v!).ToHashSet();
            return (string)d["Key"]! switch
            {
                "SERVICE" => values.Contains(r.Service),
                "LINKED_ACCOUNT" => values.Contains(r.Account),
                var k => throw new AwsFault(400, "ValidationException", $"fake cannot filter on {k}"),
            };
        }
        if (o["Tags"] is JsonObject t)
        {
            var key = (string)t["Key"]!;
            var options = t["MatchOptions"]?.AsArray().Select(v => (string)v!).ToList() ?? new() { "EQUALS" };
            var has = r.Tags.TryGetValue(key, out var value);
            if (options.Contains("ABSENT")) return !has;
            return has && t["Values"]!.AsArray().Select(v => (string)v!).Contains(value);
        }
        throw new AwsFault(400, "ValidationException", "empty expression");
    }

    private JsonNode ListCostAllocationTags(JsonObject input)
    {
        IEnumerable<CeTag> tags;
        lock (Tags) tags = Tags.ToList();
        if (input["TagKeys"] is JsonArray keys) { var set = keys.Select(k => (string)k!).ToHashSet(); tags = tags.Where(t => set.Contains(t.TagKey)); }
        if ((string?)input["Status"] is { } st) tags = tags.Where(t => t.Status == st);
        var all = tags.ToList();
        var offset = input["NextToken"] is { } n ? int.Parse(((string)n!)[2..]) : 0;
        var page = all.Skip(offset).Take(2).ToList();
        var res = new JsonObject
        {
            ["CostAllocationTags"] = new JsonArray(page.Select(t =>
            {
                var o = new JsonObject { ["TagKey"] = t.TagKey, ["Type"] = t.Type, ["Status"] = t.Status, ["LastUpdatedDate"] = t.LastUpdatedDate };
                if (t.LastUsedDate is not null) o["LastUsedDate"] = t.LastUsedDate;
                return (JsonNode)o;
            }).ToArray()),
        };
        if (offset + 2 < all.Count) res["NextToken"] = $"lt{offset + 2}";
        return res;
    }

    private JsonNode UpdateTags(JsonObject input)
    {
        var items = input["CostAllocationTagsStatus"]!.AsArray();
        if (items.Count is 0 or > 20) throw new AwsFault(400, "ValidationException", "CostAllocationTagsStatus must hold 1 to 20 entries");
        var errors = new JsonArray();
        lock (Tags)
            foreach (var i in items)
            {
                var key = (string)i!["TagKey"]!;
                var tag = Tags.FirstOrDefault(t => t.TagKey == key);
                if (tag is null) { errors.Add(new JsonObject { ["TagKey"] = key, ["Code"] = "TagKeysNotFoundException", ["Message"] = $"Tag key {key} not found" }); continue; }
                tag.Status = (string)i["Status"]!;
                tag.LastUpdatedDate = "2026-06-10T00:00:00Z";
            }
        return new JsonObject { ["Errors"] = errors };
    }
}
