using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.CostExplorer;

/// <summary>
/// Bedrock cost from the Cost Explorer API (no CUR export needed). Cost Explorer cannot group by principal
/// ARN: it groups by activated iamPrincipal/ tags, by service (Marketplace models are their own
/// "... (Amazon Bedrock Edition)" services), by linked account, and by day or month.
/// Period: -BillingPeriod months; else -StartDate/-EndDate; else the current UTC month to date.
/// More than two non-time dimensions are answered exactly by splitting: the extra dimensions are read
/// first, then one request per combination of their values, filtered on it, groups by the first two.
/// Each returned group becomes a <see cref="LineItem"/> (no principal dimension, no line item count) that the
/// shared <see cref="Aggregator"/> turns into rows, totals and the reconciliation.
/// </summary>
public sealed class CostExplorerSource : ICostSource
{
    public const string BedrockService = "Amazon Bedrock";
    public const string BedrockEditionSuffix = " (Amazon Bedrock Edition)";
    public const string AgentCoreService = "Amazon Bedrock AgentCore";
    /// <summary>Model name of cost billed under the "Amazon Bedrock" service (first-party and most models: Cost Explorer does not split it).</summary>
    public const string AmazonBedrockModel = "(Amazon Bedrock)";
    public const decimal PricePerRequest = 0.01m;

    private readonly AwsJsonClient _client;
    private readonly Func<DateTime> _utcNow;

    public CostExplorerSource(AwsJsonClient client, Func<DateTime>? utcNow = null)
    {
        _client = client;
        _utcNow = utcNow ?? (() => DateTime.UtcNow);
    }

    public string Description => $"Cost Explorer ({_client.Endpoint.GetLeftPart(UriPartial.Authority)})";

    /// <summary>Cost Explorer groups by activated tags, service (the model), linked account and time; it has no tokens.</summary>
    public SourceCapabilities Capabilities => Supports;

    /// <summary>What Cost Explorer can answer, before any source is made (tab completion, parameter checks).</summary>
    public static readonly SourceCapabilities Supports = new()
    {
        GroupBy = new HashSet<Dimension> { Dimension.Tag, Dimension.Model, Dimension.Account, Dimension.Day, Dimension.Month, Dimension.BillingPeriod },
        UpToToday = true,
    };

    /// <summary>Cost Explorer has no billing periods of its own: it answers for any dates.</summary>
    public Task<string?> LatestBillingPeriodAsync(IOperationContext ctx, CancellationToken ct) => Task.FromResult<string?>(null);

    public static AwsJsonClient CreateClient(AwsConnection connection, AwsJsonClientOptions? options = null) =>
        new(connection.Credentials, "ce", "us-east-1", "AWSInsightsIndexService",
            new Uri(connection.EndpointUrl ?? "https://ce.us-east-1.amazonaws.com"), options);

    /// <summary>Dimensions Cost Explorer cannot group by, with the reason.</summary>
    public static void Validate(CostQuery query)
    {
        foreach (var g in query.GroupBy)
            if (!Supports.CanGroupBy(g.Kind))
                throw new BedrockCostException(ErrorIds.CostExplorerCannotGroupBy, ErrorKind.InvalidArgument,
                    $"Cost Explorer cannot group by {g}: it has no IAM principal ARN, person, role, token type, usage type or Bedrock region breakdown. " +
                    "Group by an activated principal tag (-GroupBy iamPrincipal/team; see Get-BedrockPrincipalTag), Model, Account, Day, Month or BillingPeriod, " +
                    "or read a CUR 2.0 export (-Path or -S3Uri) for principal-level cost.", g.ToString());
        if (query.Principals.Count > 0)
            throw new BedrockCostException(ErrorIds.CostExplorerCannotFilterBy, ErrorKind.InvalidArgument,
                "Cost Explorer cannot filter by principal ARN. Filter by a principal tag (-Tag @{team='x'}) or read a CUR 2.0 export.", "Principal");
        foreach (var v in query.Accounts.Concat(query.Tags.Values))
            if (v.IndexOfAny(new[] { '*', '?', '[' }) >= 0)
                throw new BedrockCostException(ErrorIds.CostExplorerCannotFilterBy, ErrorKind.InvalidArgument,
                    $"Cost Explorer filters accounts and tags by exact value; '{v}' has wildcards.", v);
    }

    public async Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct)
    {
        Validate(query);
        var start = _client.RequestCount;
        var daily = query.GroupBy.Any(g => g.Kind == Dimension.Day);
        // Time (Day, Month, BillingPeriod) is the request's granularity, not a Cost Explorer dimension.
        var dims = query.GroupBy.Where(g => g.Kind is not (Dimension.Day or Dimension.Month or Dimension.BillingPeriod)).ToList();
        var models = new WildcardSet(query.Models);
        // The requests filter by model, account and tag already, and the groups carry only the grouped dimensions.
        var aggregator = new Aggregator(query, rowsFiltered: true);
        foreach (var (from, to) in TimePeriods(query))
        {
            aggregator.CoverPeriods(Months(from, to));
            var services = (await BedrockServicesAsync(from, to, query.IncludeAgentCore, ct).ConfigureAwait(false))
                .Where(s => models.IsMatch(ModelName(s))).ToList();
            ctx.Debug($"Cost Explorer: {services.Count} Bedrock service(s) for {from:yyyy-MM-dd}..{to:yyyy-MM-dd}: {string.Join(", ", services)}");
            if (services.Count == 0) continue;
            var filter = new List<JsonNode> { Dim("SERVICE", services) };
            if (query.Accounts.Count > 0) filter.Add(Dim("LINKED_ACCOUNT", query.Accounts));
            foreach (var (k, v) in query.Tags) filter.Add(TagFilter(k, v));
            foreach (var g in await GroupsAsync(from, to, daily, dims, filter, ct).ConfigureAwait(false))
                if (aggregator.Add(ToLineItem(g, dims, aggregator.TagKeys)) != SumOverflow.None)
                    throw new BedrockCostException(ErrorIds.CostExplorerBadResponse, ErrorKind.InvalidData,
                        $"Cost Explorer returned amounts for {from:yyyy-MM-dd}..{to:yyyy-MM-dd} whose sum is beyond the decimal range; nothing was reported.", null);
        }
        var billed = _client.RequestCount - start;
        ctx.Verbose($"Cost Explorer: {billed} billed request(s) at ${PricePerRequest} each (${billed * PricePerRequest:0.00}).");
        return aggregator.ToResult(Source, ctx, hasPrincipalData: false);
    }

    /// <summary>The rows' Source.</summary>
    public const string Source = "CostExplorer";

    /// <summary>One Cost Explorer group as a line item of the shared result builder.</summary>
    private static LineItem ToLineItem(Group g, IReadOnlyList<GroupDimension> dims, string[] tagKeys)
    {
        string? Key(Func<GroupDimension, bool> which) => dims.Select((d, i) => (d, i)).Where(x => which(x.d)).Select(x => g.Keys[x.i]).FirstOrDefault();
        var service = Key(d => d.Kind == Dimension.Model);
        return new LineItem
        {
            BillingPeriod = g.Start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            UsageStart = g.Start,
            Account = Key(d => d.Kind == Dimension.Account),
            Model = service is null ? null : ModelName(service),
            Currency = g.Currency,
            UnblendedCost = g.Unblended,
            NetUnblendedCost = g.Net,
            Tags = tagKeys.Length == 0 ? null : tagKeys.Select(k => Key(d => d.Kind == Dimension.Tag && d.TagKey == k)).ToArray(),
            PrincipalData = PrincipalData.NotInSource,
            Count = 0,
        };
    }

    /// <summary>
    /// "Claude 3.5 Sonnet (Amazon Bedrock Edition)" is the model's canonical name, "Claude Sonnet 3.5", as CUR data
    /// names it; "Amazon Bedrock" is <see cref="AmazonBedrockModel"/>.
    /// </summary>
    public static string ModelName(string service) =>
        service == BedrockService ? AmazonBedrockModel
        : service.EndsWith(BedrockEditionSuffix, StringComparison.Ordinal) ? Classification.ModelNames.Normalise(service) : service;

    public static bool IsBedrockService(string service, bool includeAgentCore) =>
        service == BedrockService || service.Contains("(Amazon Bedrock Edition)", StringComparison.Ordinal) || (includeAgentCore && service == AgentCoreService);

    private async Task<List<string>> BedrockServicesAsync(DateTime from, DateTime to, bool agentCore, CancellationToken ct)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var req = new JsonObject { ["TimePeriod"] = Period(from, to), ["Dimension"] = "SERVICE", ["Context"] = "COST_AND_USAGE" };
            if (token is not null) req["NextPageToken"] = token;
            var res = await _client.InvokeAsync("GetDimensionValues", req, ct).ConfigureAwait(false);
            if (res.TryGetProperty("DimensionValues", out var values))
                foreach (var v in values.EnumerateArray())
                    if (v.TryGetProperty("Value", out var s) && s.GetString() is { } name && IsBedrockService(name, agentCore)) found.Add(name);
            token = NextToken(res, "NextPageToken");
        } while (token is not null);
        return found.ToList();
    }

    private sealed record Group(DateTime Start, IReadOnlyList<string> Keys, string Currency, decimal Unblended, decimal Net);

    /// <summary>Groups for up to any number of dimensions; beyond two, split by the values of the extra ones.</summary>
    private async Task<List<Group>> GroupsAsync(DateTime from, DateTime to, bool daily, IReadOnlyList<GroupDimension> dims, IReadOnlyList<JsonNode> filter, CancellationToken ct)
    {
        if (dims.Count <= 2) return await GetCostAndUsageAsync(from, to, daily, dims, filter, ct).ConfigureAwait(false);
        var head = dims.Take(2).ToList();
        var rest = dims.Skip(2).ToList();
        // Which combinations of the extra dimensions have cost in the period (time ignored), then one exact request each.
        var combos = (await GroupsAsync(from, to, false, rest, filter, ct).ConfigureAwait(false))
            .Select(g => g.Keys).DistinctBy(k => string.Join('\u001f', k)).ToList();
        var all = new List<Group>();
        foreach (var combo in combos)
        {
            var narrowed = filter.Select(f => f.DeepClone()).ToList();
            for (var i = 0; i < rest.Count; i++) narrowed.Add(ValueFilter(rest[i], combo[i]));
            foreach (var g in await GetCostAndUsageAsync(from, to, daily, head, narrowed, ct).ConfigureAwait(false))
                all.Add(g with { Keys = g.Keys.Concat(combo).ToList() });
        }
        return all;
    }

    private async Task<List<Group>> GetCostAndUsageAsync(DateTime from, DateTime to, bool daily, IReadOnlyList<GroupDimension> dims, IReadOnlyList<JsonNode> filter, CancellationToken ct)
    {
        var groups = new List<Group>();
        string? token = null;
        do
        {
            var req = new JsonObject
            {
                ["TimePeriod"] = Period(from, to),
                ["Granularity"] = daily ? "DAILY" : "MONTHLY",
                ["Metrics"] = new JsonArray("UnblendedCost", "NetUnblendedCost"),
                ["Filter"] = filter.Count == 1 ? filter[0].DeepClone() : new JsonObject { ["And"] = new JsonArray(filter.Select(f => f.DeepClone()).ToArray()) },
            };
            if (dims.Count > 0) req["GroupBy"] = new JsonArray(dims.Select(GroupByEntry).ToArray());
            if (token is not null) req["NextPageToken"] = token;
            var res = await _client.InvokeAsync("GetCostAndUsage", req, ct).ConfigureAwait(false);
            if (res.TryGetProperty("ResultsByTime", out var byTime))
                foreach (var t in byTime.EnumerateArray())
                {
                    var start = ParseDate(t.GetProperty("TimePeriod").GetProperty("Start").GetString());
                    if (dims.Count == 0)
                    {
                        if (t.TryGetProperty("Total", out var total) && Metrics(total) is { } m) groups.Add(new Group(start, Array.Empty<string>(), m.Currency, m.Unblended, m.Net));
                        continue;
                    }
                    if (!t.TryGetProperty("Groups", out var gs)) continue;
                    foreach (var g in gs.EnumerateArray())
                    {
                        var keys = g.GetProperty("Keys").EnumerateArray().Select(k => k.GetString() ?? string.Empty).ToList();
                        if (keys.Count != dims.Count)
                            throw new BedrockCostException(ErrorIds.CostExplorerBadResponse, ErrorKind.InvalidData,
                                $"GetCostAndUsage returned {keys.Count} group key(s) for {dims.Count} GroupBy entries.", "GetCostAndUsage");
                        if (Metrics(g.GetProperty("Metrics")) is { } m)
                            groups.Add(new Group(start, keys.Select((k, i) => KeyValue(dims[i], k)).ToList(), m.Currency, m.Unblended, m.Net));
                    }
                }
            token = NextToken(res, "NextPageToken");
        } while (token is not null);
        return groups;
    }

    private static (string Currency, decimal Unblended, decimal Net)? Metrics(JsonElement metrics)
    {
        if (!metrics.TryGetProperty("UnblendedCost", out var u)) return null;
        var currency = u.TryGetProperty("Unit", out var unit) ? unit.GetString() ?? "USD" : "USD";
        var net = metrics.TryGetProperty("NetUnblendedCost", out var n) ? Amount(n) : 0m;
        return (currency, Amount(u), net);
    }

    private static decimal Amount(JsonElement metric) =>
        metric.TryGetProperty("Amount", out var a) && decimal.TryParse(a.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
        : throw new BedrockCostException(ErrorIds.CostExplorerBadResponse, ErrorKind.InvalidData, $"Cost Explorer returned an amount that is not a number: {metric}.", "GetCostAndUsage");

    /// <summary>Tag group keys come back as "key$value"; an empty value is untagged cost.</summary>
    private static string KeyValue(GroupDimension dim, string key)
    {
        if (dim.Kind != Dimension.Tag) return key;
        var dollar = key.IndexOf('$');
        var value = dollar >= 0 ? key[(dollar + 1)..] : key;
        return value.Length == 0 ? Aggregator.Untagged : value;
    }

    private static JsonObject GroupByEntry(GroupDimension d) => d.Kind switch
    {
        Dimension.Tag => new JsonObject { ["Type"] = "TAG", ["Key"] = d.TagKey },
        Dimension.Model => new JsonObject { ["Type"] = "DIMENSION", ["Key"] = "SERVICE" },
        Dimension.Account => new JsonObject { ["Type"] = "DIMENSION", ["Key"] = "LINKED_ACCOUNT" },
        _ => throw new InvalidOperationException($"No Cost Explorer GroupBy for {d}."),
    };

    /// <summary>Filter on one value of a grouped dimension (the raw service name for Model).</summary>
    private static JsonNode ValueFilter(GroupDimension d, string value) => d.Kind switch
    {
        Dimension.Tag => TagFilter(d.TagKey!, value),
        Dimension.Model => Dim("SERVICE", new[] { value }),
        _ => Dim("LINKED_ACCOUNT", new[] { value }),
    };

    private static JsonNode TagFilter(string key, string value) =>
        value.Length == 0 || value == Aggregator.Untagged
            ? new JsonObject { ["Tags"] = new JsonObject { ["Key"] = key, ["MatchOptions"] = new JsonArray("ABSENT") } }
            : new JsonObject { ["Tags"] = new JsonObject { ["Key"] = key, ["Values"] = new JsonArray(value), ["MatchOptions"] = new JsonArray("EQUALS") } };

    private static JsonNode Dim(string key, IEnumerable<string> values) =>
        new JsonObject { ["Dimensions"] = new JsonObject { ["Key"] = key, ["Values"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) } };

    private static JsonObject Period(DateTime from, DateTime to) => new()
    {
        ["Start"] = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["End"] = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    private static string? NextToken(JsonElement res, string name) =>
        res.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } s ? s : null;

    private static DateTime ParseDate(string? s) =>
        DateTime.ParseExact(s ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>Request ranges [from, to): one per billing period, else the dates, else the current month to date.</summary>
    internal List<(DateTime From, DateTime To)> TimePeriods(CostQuery q)
    {
        var today = _utcNow().Date;
        if (q.BillingPeriods.Count > 0)
            return q.BillingPeriods.Order(StringComparer.Ordinal).Select(p => ParseDate(p + "-01")).Select(m => (m, m.AddMonths(1))).ToList();
        var from = q.StartDate?.Date ?? (q.EndDate is { } e ? new DateTime(e.AddDays(-1).Year, e.AddDays(-1).Month, 1, 0, 0, 0, DateTimeKind.Utc) : new DateTime(today.Year, today.Month, 1, 0, 0, 0, DateTimeKind.Utc));
        var to = q.EndDate is { } end ? (end.TimeOfDay == TimeSpan.Zero ? end : end.Date.AddDays(1)) : today.AddDays(1);
        return new() { (DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc)) };
    }

    private static IEnumerable<string> Months(DateTime from, DateTime to)
    {
        for (var m = new DateTime(from.Year, from.Month, 1); m < to; m = m.AddMonths(1)) yield return m.ToString("yyyy-MM", CultureInfo.InvariantCulture);
    }

    public void Dispose() => _client.Dispose();
}
