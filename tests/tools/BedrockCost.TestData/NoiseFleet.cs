using System.Collections.Concurrent;
using System.Globalization;
using static BedrockCost.TestData.Catalog;

namespace BedrockCost.TestData;

/// <summary>
/// The non-Bedrock rows of a synthetic month, shaped like a real CUR 2.0 month's: a fleet of line items (EC2
/// instances with their EBS volumes and data transfer, NAT gateways, S3 buckets, Lambda functions, CloudWatch log
/// groups in two accounts and three regions), each row one of them for one hour, the fleet as large as the month's
/// rows make it in an hourly export (the granularity cost tooling asks for, with resource ids; a daily export of the
/// same rows would bill 24 times as many line items). Rows come in random order. What the shapes rest on:
/// <list type="bullet">
/// <item>An anonymised real export (legacy CUR, one account, 1,281 rows): finopsfoundation/focus_converters,
/// focus_converter_base/tests/provider_config_tests/aws/sample-anonymous-aws-export-dataset.csv. identity/LineItemId is
/// 52 lower-case base32 characters and the same for a line item (usage type, operation, resource) in every interval
/// (376 ids for 1,269 usage rows, up to 14 intervals each); amounts and costs carry at most 10 decimals (cost =
/// round(amount x rate, 10)); hourly requests are small integers, storage a fraction of a GB-month; descriptions,
/// product/sku (16 characters), pricing/RateCode (SKU.OfferTermCode.RateCode) and pricing/RateId (digits) per
/// rate; reservation/SubscriptionId on every usage row; us-east-1 usage types without a region prefix
/// (<c>Requests-Tier1</c>, <c>USW2-Requests-Tier1</c>); product families and groups of S3, CloudWatch, data transfer.</item>
/// <item>CUR 2.0 <c>product</c> map: every legacy product column outside the static schema, when it has a value
/// (docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-product.html); its key names
/// (aws-samples/aws-cudos-framework-deployment, cid/helpers/cur_proxy.py: product_name, servicename, operating_system,
/// physical_processor, volume_api_name, storage_class, transfer_type, group...); an EC2 instance SKU's attributes
/// (medium.com/understanding-the-aws-cur, "Part 7: RunInstances:0006?": ~30 of them, vcpu to vpcnetworkingsupport).</item>
/// <item>EC2 row fields (resource id, availability zone, instance type and family, "$0.096 per On Demand Linux m5.large
/// Instance Hour"): project-koku/nise, nise/generators/aws/ec2_generator.py.</item>
/// </list>
/// Rates are approximate public on-demand prices. The month's accounts have an Enterprise Discount Program, as its
/// Bedrock rows do: the net cost of every row is 5% below its unblended cost.
/// </summary>
public sealed class NoiseFleet
{
    /// <summary>The fleet's line items; a row picks one uniformly, as an hourly export bills every line item every hour.</summary>
    public IReadOnlyList<NoiseLine> Lines { get; }
    readonly Dictionary<(string Account, string ProductCode), string> _subscriptions = new();
    readonly Dictionary<string, Dictionary<string, string>> _costCategories = new();
    readonly Random _rng;
    readonly int _seed;

    static readonly ConcurrentDictionary<(int Seed, int Scale), NoiseFleet> Fleets = new();

    /// <summary>The fleet of a seed: the same for every chunk of a month, so chunks stay independent. A fleet of
    /// <paramref name="scale"/> times the base one (<see cref="BaseLines"/> line items).</summary>
    public static NoiseFleet For(int seed, int scale = 1) => Fleets.GetOrAdd((seed, Math.Max(1, scale)), k => new NoiseFleet(k.Seed, k.Scale));

    /// <summary>
    /// The fleet whose line items, each billed once an hour, make <paramref name="noiseRows"/> rows in the month of
    /// <paramref name="period"/>: an hourly export's month has about as many rows per line item as hours.
    /// </summary>
    public static NoiseFleet ForMonth(int seed, DateTime period, double noiseRows) =>
        For(seed, (int)Math.Round(noiseRows / (DateTime.DaysInMonth(period.Year, period.Month) * 24) / For(seed).Lines.Count));

    /// <summary>Line items of the base fleet (scale 1).</summary>
    public static int BaseLines => For(0).Lines.Count;

    const int InstancesPerAccount = 100, BucketsPerAccount = 25, FunctionsPerAccount = 25, NatGatewaysPerAccount = 2;

    static readonly (string Code, string Prefix, string Name, decimal PriceFactor)[] Regions =
    [
        ("us-east-1", "", "US East (N. Virginia)", 1m), ("us-west-2", "USW2-", "US West (Oregon)", 1m),
        ("eu-west-1", "EU-", "EU (Ireland)", 1.1m),
    ];

    sealed record InstanceType(string Name, string Family, string Vcpu, string Memory, string ClockSpeed, string Processor,
        string Features, string Ecu, string Network, string EbsThroughput, double NormalizationFactor, decimal Price, bool Intel);

    static readonly InstanceType[] InstanceTypes =
    [
        new("m5.large", "General purpose", "2", "8 GiB", "3.1 GHz", "Intel Xeon Platinum 8175", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo", "10", "Up to 10 Gigabit", "Up to 4750 Mbps", 4, 0.096m, true),
        new("m5.xlarge", "General purpose", "4", "16 GiB", "3.1 GHz", "Intel Xeon Platinum 8175", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo", "16", "Up to 10 Gigabit", "Up to 4750 Mbps", 8, 0.192m, true),
        new("c5.2xlarge", "Compute optimized", "8", "16 GiB", "3.4 GHz", "Intel Xeon Platinum 8124M", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo", "39", "Up to 10 Gigabit", "Up to 4750 Mbps", 16, 0.34m, true),
        new("r5.large", "Memory optimized", "2", "16 GiB", "3.1 GHz", "Intel Xeon Platinum 8175", "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo", "10", "Up to 10 Gigabit", "Up to 4750 Mbps", 4, 0.126m, true),
        new("t3.medium", "General purpose", "2", "4 GiB", "2.5 GHz", "Intel Skylake E5 2686 v5", "Intel AVX; Intel AVX2; Intel Turbo", "Variable", "Up to 5 Gigabit", "Up to 2085 Mbps", 2, 0.0416m, true),
        new("m6g.large", "General purpose", "2", "8 GiB", "2.5 GHz", "AWS Graviton2 Processor", "", "NA", "Up to 10 Gigabit", "Up to 4750 Mbps", 4, 0.077m, false),
    ];

    static readonly string[] Applications = ["checkout", "search", "payments", "ingest", "reporting", "identity", "catalog", "notifications", "billing-api", "data-lake"];
    static readonly string[] Teams = ["platform", "data", "web", "mobile", "sre", "finance-apps"];

    NoiseFleet(int seed, int scale)
    {
        _seed = seed;
        _rng = new Random(unchecked(seed * 31 + 0x6e6f6973)); // "nois": a stream apart from the chunks'
        var lines = new List<NoiseLine>();
        foreach (var account in new[] { PayerAccount, SecondAccount })
        {
            var env = account == PayerAccount ? "prod" : "research";
            _costCategories[account] = new() { ["business-unit"] = account == PayerAccount ? "platform" : "research", ["environment"] = env == "prod" ? "production" : "non-production" };
            for (int i = 0; i < InstancesPerAccount * scale; i++) AddInstance(lines, account, env, i);
            for (int i = 0; i < NatGatewaysPerAccount * scale; i++) AddNatGateway(lines, account, i);
            for (int i = 0; i < BucketsPerAccount * scale; i++) AddBucket(lines, account, env, i);
            for (int i = 0; i < FunctionsPerAccount * scale; i++) AddFunction(lines, account, env, i);
        }
        Lines = lines;
    }

    /// <summary>reservation_subscription_id: one per account and product code.</summary>
    public string SubscriptionId(string account, string productCode)
    {
        lock (_subscriptions)
        {
            if (!_subscriptions.TryGetValue((account, productCode), out var id))
                _subscriptions[(account, productCode)] = id = (100_000_000 + (StableHash(account + "/" + productCode) % 900_000_000)).ToString(CultureInfo.InvariantCulture);
            return id;
        }
    }

    public Dictionary<string, string>? CostCategory(string account) => _costCategories.GetValueOrDefault(account);

    /// <summary>A line item id as AWS writes it: 52 lower-case base32 characters, stable for the same line item.</summary>
    public static string LineItemId(int seed, string key)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        ulong state = (ulong)(uint)seed << 32 ^ StableHash(key);
        Span<char> c = stackalloc char[52];
        ulong bits = 0;
        for (int i = 0, left = 0; i < c.Length; i++, left -= 5)
        {
            if (left < 5) { bits = SplitMix(ref state); left = 64; }
            c[i] = alphabet[(int)(bits & 31)];
            bits >>= 5;
        }
        return new string(c);
    }

    static ulong SplitMix(ref ulong s)
    {
        ulong z = s += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a: stable across processes (string.GetHashCode is not).</summary>
    static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (var ch in s) { h ^= ch; h *= 1099511628211; }
        return h;
    }

    string Hex(int n)
    {
        Span<char> c = stackalloc char[n];
        for (int i = 0; i < n; i++) c[i] = "0123456789abcdef"[_rng.Next(16)];
        return new string(c);
    }

    string Upper(int n)
    {
        Span<char> c = stackalloc char[n];
        for (int i = 0; i < n; i++) c[i] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[_rng.Next(32)];
        return new string(c);
    }

    static string Price(decimal d) => (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture); // without trailing zeros

    readonly Dictionary<string, (string Sku, string RateId)> _skus = new();
    (string Sku, string RateId) Sku(string region, string usageType)
    {
        var key = region + "/" + usageType;
        if (!_skus.TryGetValue(key, out var s))
            _skus[key] = s = (Upper(16), _rng.NextInt64(1_000_000_000, 99_999_999_999).ToString(CultureInfo.InvariantCulture));
        return s;
    }

    (string Code, string Prefix, string Name, decimal PriceFactor) PickRegion()
    {
        var u = _rng.NextDouble();
        return u < 0.6 ? Regions[0] : u < 0.85 ? Regions[1] : Regions[2];
    }

    static Dictionary<string, string> Product(string productName, string serviceName, string region, params (string Key, string Value)[] more)
    {
        var d = new Dictionary<string, string> { ["product_name"] = productName, ["servicename"] = serviceName, ["region"] = region };
        foreach (var (k, v) in more) d[k] = v;
        return d;
    }

    Dictionary<string, string> ResourceTags(string account, string env, string? name, bool tagged)
    {
        var tags = new Dictionary<string, string>();
        if (tagged)
        {
            if (name != null) tags["resourceTags/Name"] = name;
            tags["resourceTags/application"] = Applications[_rng.Next(Applications.Length)];
            tags["resourceTags/team"] = Teams[_rng.Next(Teams.Length)];
            tags["resourceTags/environment"] = env;
        }
        tags["accountTag/env"] = env;
        return tags;
    }

    NoiseLine Line(string account, (string Code, string Prefix, string Name, decimal PriceFactor) region, string productCode, string usageType,
        string operation, string unit, decimal usEastRate, string family, string serviceCode, Dictionary<string, string> product,
        string description, string resourceId, Dictionary<string, string> tags, AmountKind kind, double scale,
        string rateCode = "6YS6EN2CT7", string? zone = null, InstanceType? instance = null, string? to = null)
    {
        var rate = Math.Round(usEastRate * region.PriceFactor, 10);
        var spec = new UsageSpec(productCode, region.Prefix + usageType, operation, unit, rate, region.Code, family, serviceCode, product,
            description.Replace("{rate}", Price(rate)).Replace("{per1000}", Price(rate * 1000)).Replace("{per10000}", Price(rate * 10000))
                .Replace("{region}", region.Name));
        var (sku, rateId) = Sku(region.Code, spec.UsageType);
        var proto = Usage(spec, DateTime.MinValue, DateTime.MinValue, DateTime.MinValue, account, 0, null, null, false, tags, resourceId) with
        {
            LineItemId = LineItemId(_seed, $"{account}/{spec.UsageType}/{operation}/{resourceId}"),
            AvailabilityZone = zone, ProductSku = sku, RateCode = $"{sku}.JRTCKXETXF.{rateCode}", RateId = rateId,
            SubscriptionId = SubscriptionId(account, productCode), InstanceType = instance?.Name, InstanceFamily = instance?.Family,
            NormalizationFactor = instance?.NormalizationFactor, FromLocation = to is null ? null : region.Name, ToLocation = to,
            CostCategory = CostCategory(account),
        };
        return new NoiseLine(proto, rate, kind, scale);
    }

    void AddInstance(List<NoiseLine> lines, string account, string env, int i)
    {
        var region = PickRegion();
        var type = InstanceTypes[_rng.Next(InstanceTypes.Length)];
        var zone = region.Code + "abc"[_rng.Next(3)];
        var id = "i-0" + Hex(16);
        var tags = ResourceTags(account, env, $"{env}-{type.Name.Replace('.', '-')}-{i:D3}", _rng.Next(5) > 0);
        const string Ec2 = "Amazon Elastic Compute Cloud";
        var product = Product(Ec2, Ec2, region.Code,
            ("availabilityzone", "NA"), ("capacitystatus", "Used"), ("classicnetworkingsupport", "false"), ("clock_speed", type.ClockSpeed),
            ("current_generation", "Yes"), ("dedicated_ebs_throughput", type.EbsThroughput), ("ecu", type.Ecu),
            ("enhanced_networking_supported", "Yes"), ("gpu_memory", "NA"), ("instance_type_family", type.Name.Split('.')[0]),
            ("intel_avx2_available", type.Intel ? "Yes" : "No"), ("intel_avx_available", type.Intel ? "Yes" : "No"),
            ("intel_turbo_available", type.Intel ? "Yes" : "No"), ("license_model", "No License required"), ("marketoption", "OnDemand"),
            ("memory", type.Memory), ("network_performance", type.Network),
            ("normalization_size_factor", type.NormalizationFactor.ToString(CultureInfo.InvariantCulture)), ("operating_system", "Linux"),
            ("physical_processor", type.Processor), ("pre_installed_sw", "NA"), ("processor_architecture", "64-bit"),
            ("processor_features", type.Features), ("storage", "EBS only"), ("tenancy", "Shared"), ("vcpu", type.Vcpu),
            ("vpcnetworkingsupport", "true"));
        lines.Add(Line(account, region, "AmazonEC2", "BoxUsage:" + type.Name, "RunInstances", "Hrs", type.Price, "Compute Instance", "AmazonEC2",
            product, "${rate} per On Demand Linux " + type.Name + " Instance Hour", id, tags, AmountKind.InstanceHours, 1, zone: zone, instance: type));
        // The root volume, and a data volume on half the instances.
        for (int v = 0; v < (_rng.Next(2) == 0 ? 1 : 2); v++)
        {
            var gb = v == 0 ? 8 * (1 << _rng.Next(4)) : 100 * (1 + _rng.Next(20));
            lines.Add(Line(account, region, "AmazonEC2", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08m, "Storage", "AmazonEC2",
                Product(Ec2, Ec2, region.Code, ("max_iopsvolume", "16000"), ("max_throughputvolume", "1000 MiB/s"), ("max_volume_size", "16 TiB"),
                    ("storage_media", "SSD-backed"), ("volume_api_name", "gp3"), ("volume_type", "General Purpose")),
                "${rate} per GB-month of General Purpose (gp3) provisioned storage - {region}", "vol-0" + Hex(16), tags, AmountKind.GbMonth, gb, zone: zone));
        }
        lines.Add(Line(account, region, "AmazonEC2", "DataTransfer-Out-Bytes", "RunInstances", "GB", 0.09m, "Data Transfer", "AWSDataTransfer",
            Product(Ec2, "AWS Data Transfer", region.Code, ("transfer_type", "AWS Outbound")),
            "${rate} per GB - first 10 TB / month data transfer out beyond the global free tier", id, tags, AmountKind.Gigabytes, 0.5 + _rng.NextDouble() * 5, to: "External"));
        lines.Add(Line(account, region, "AmazonEC2", "DataTransfer-Regional-Bytes", "InterZone-In", "GB", 0.01m, "Data Transfer", "AWSDataTransfer",
            Product(Ec2, "AWS Data Transfer", region.Code, ("transfer_type", "IntraRegion")),
            "${rate} per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB", id, tags, AmountKind.Gigabytes, 1 + _rng.NextDouble() * 20, to: region.Name));
    }

    void AddNatGateway(List<NoiseLine> lines, string account, int i)
    {
        var region = Regions[i % 2];
        var arn = $"arn:aws:ec2:{region.Code}:{account}:natgateway/nat-0{Hex(16)}";
        var tags = ResourceTags(account, account == PayerAccount ? "prod" : "research", null, false);
        const string Ec2 = "Amazon Elastic Compute Cloud";
        lines.Add(Line(account, region, "AmazonEC2", "NatGateway-Hours", "NatGateway", "Hrs", 0.045m, "NAT Gateway", "AmazonEC2",
            Product(Ec2, Ec2, region.Code, ("group", "NGW:NatGateway"), ("group_description", "Hourly charge for NAT Gateways")),
            "${rate} per NAT Gateway Hour", arn, tags, AmountKind.Hours, 1));
        lines.Add(Line(account, region, "AmazonEC2", "NatGateway-Bytes", "NatGateway", "GB", 0.045m, "NAT Gateway", "AmazonEC2",
            Product(Ec2, Ec2, region.Code, ("group", "NGW:NatGateway"), ("group_description", "Charge for per GB data processed by NatGateways")),
            "${rate} per GB Data Processed by NAT Gateways", arn, tags, AmountKind.Gigabytes, 20 + _rng.NextDouble() * 200));
    }

    void AddBucket(List<NoiseLine> lines, string account, string env, int i)
    {
        var region = PickRegion();
        var app = Applications[i % Applications.Length];
        var bucket = $"{app}-{env}-{(i < Applications.Length ? "assets" : "logs-" + i)}-{account}-{region.Code}";
        var tags = ResourceTags(account, env, null, _rng.Next(4) > 0);
        const string S3 = "Amazon Simple Storage Service";
        lines.Add(Line(account, region, "AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023m, "Storage", "AmazonS3",
            Product(S3, S3, region.Code, ("availability", "99.99%"), ("durability", "99.999999999%"), ("storage_class", "General Purpose"), ("volume_type", "Standard")),
            "${rate} per GB - first 50 TB / month of storage used", bucket, tags, AmountKind.StorageGbMonth, Math.Pow(10, 1 + _rng.NextDouble() * 4), rateCode: "PGHJ3S3EYE"));
        lines.Add(Line(account, region, "AmazonS3", "Requests-Tier1", "PutObject", "Requests", 0.000005m, "API Request", "AmazonS3",
            Product(S3, S3, region.Code, ("group", "S3-API-Tier1"), ("group_description", "PUT/COPY/POST or LIST requests")),
            "${per1000} per 1,000 PUT, COPY, POST, or LIST requests", bucket, tags, AmountKind.Count, Math.Pow(10, 1 + _rng.NextDouble() * 4)));
        lines.Add(Line(account, region, "AmazonS3", "Requests-Tier2", "GetObject", "Requests", 0.0000004m, "API Request", "AmazonS3",
            Product(S3, S3, region.Code, ("group", "S3-API-Tier2"), ("group_description", "GET and all other requests")),
            "${per10000} per 10,000 GET and all other requests", bucket, tags, AmountKind.Count, Math.Pow(10, 2 + _rng.NextDouble() * 4)));
        lines.Add(Line(account, region, "AmazonS3", "DataTransfer-Out-Bytes", "GetObject", "GB", 0.09m, "Data Transfer", "AWSDataTransfer",
            Product(S3, "AWS Data Transfer", region.Code, ("transfer_type", "AWS Outbound")),
            "${rate} per GB - first 10 TB / month data transfer out beyond the global free tier", bucket, tags, AmountKind.Gigabytes, 0.1 + _rng.NextDouble() * 10, to: "External"));
    }

    void AddFunction(List<NoiseLine> lines, string account, string env, int i)
    {
        var region = PickRegion();
        var name = $"{Applications[_rng.Next(Applications.Length)]}-{env}-{i:D2}-handler";
        var tags = ResourceTags(account, env, null, _rng.Next(3) > 0);
        const string Lambda = "AWS Lambda", CloudWatch = "AmazonCloudWatch";
        var fn = $"arn:aws:lambda:{region.Code}:{account}:function:{name}";
        lines.Add(Line(account, region, "AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", 0.0000166667m, "Serverless", "AWSLambda",
            Product(Lambda, Lambda, region.Code, ("group", "AWS-Lambda-Duration"), ("group_description", "Invocation duration in GB-seconds")),
            "AWS Lambda - Total Compute - {region}", fn, tags, AmountKind.Gigabytes, 100 + _rng.NextDouble() * 5000));
        lines.Add(Line(account, region, "AWSLambda", "Request", "Invoke", "Requests", 0.0000002m, "Serverless", "AWSLambda",
            Product(Lambda, Lambda, region.Code, ("group", "AWS-Lambda-Requests"), ("group_description", "Invocation call for a Lambda function")),
            "AWS Lambda - Total Requests - {region}", fn, tags, AmountKind.Count, Math.Pow(10, 2 + _rng.NextDouble() * 4)));
        // Its log group.
        var logs = $"arn:aws:logs:{region.Code}:{account}:log-group:/aws/lambda/{name}";
        lines.Add(Line(account, region, CloudWatch, "DataProcessing-Bytes", "PutLogEvents", "GB", 0.5m, "Data Payload", CloudWatch,
            Product(CloudWatch, CloudWatch, region.Code, ("group", "Ingested Logs"), ("group_description", "Existing system, application, and custom log files")),
            "${rate} per GB custom log data ingested", logs, tags, AmountKind.Gigabytes, 0.01 + _rng.NextDouble()));
        lines.Add(Line(account, region, CloudWatch, "TimedStorage-ByteHrs", "HourlyStorageMetering", "GB-Mo", 0.03m, "Storage Snapshot", CloudWatch,
            Product(CloudWatch, CloudWatch, region.Code), "${rate} per GB-mo of log storage", logs, tags, AmountKind.StorageGbMonth, 1 + _rng.NextDouble() * 200));
    }
}

/// <summary>How a line item's amount follows from the interval's hours (1 or 24) and two uniform draws.</summary>
public enum AmountKind
{
    /// <summary>Always on: one per hour (NAT gateway hours).</summary>
    Hours,
    /// <summary>One per hour, but one interval in ten is cut short (per-second billing).</summary>
    InstanceHours,
    /// <summary>Provisioned storage: Scale GB for the interval's share of the month.</summary>
    GbMonth,
    /// <summary>Stored bytes: about Scale GB (varying by a few percent) for the interval's share of the month.</summary>
    StorageGbMonth,
    /// <summary>A whole count (requests) around Scale a day.</summary>
    Count,
    /// <summary>A quantity (GB, GB-seconds) around Scale a day.</summary>
    Gigabytes,
}

/// <summary>One line item of the fleet: everything but the interval, the amount and the costs.</summary>
public sealed record NoiseLine(LineItem Prototype, decimal Rate, AmountKind Kind, double Scale)
{
    /// <summary>The row for one interval. Amounts and costs carry at most 10 decimals, cost = round(amount x rate, 10).</summary>
    public LineItem Row(DateTime period, DateTime start, DateTime end, double u1, double u2)
    {
        static decimal Round(decimal d) => Math.Round(d, 10, MidpointRounding.AwayFromZero);
        var hours = (decimal)(end - start).TotalHours;
        var monthHours = DateTime.DaysInMonth(period.Year, period.Month) * 24m;
        var perDay = Scale * (double)hours / 24 * Math.Exp(3 * (u1 - 0.5));
        decimal amount = Kind switch
        {
            AmountKind.Hours => hours,
            AmountKind.InstanceHours => u1 < 0.9 ? hours : Round(Math.Max(1, Math.Floor((decimal)u2 * hours * 3600)) / 3600),
            AmountKind.GbMonth => Round((decimal)Scale * hours / monthHours),
            AmountKind.StorageGbMonth => Round((decimal)(Scale * (1 + 0.05 * u1)) * hours / monthHours),
            AmountKind.Count => Math.Max(1, Math.Round((decimal)perDay, MidpointRounding.AwayFromZero)),
            _ => Round((decimal)perDay),
        };
        var cost = Round(amount * Rate);
        return Prototype with
        {
            BillingPeriodStart = period, UsageStart = start, UsageEnd = end, UsageAmount = (double)amount,
            UnblendedCost = (double)cost, NetUnblendedCost = (double)Round(cost * (1 - (decimal)EdpDiscount)),
        };
    }
}
