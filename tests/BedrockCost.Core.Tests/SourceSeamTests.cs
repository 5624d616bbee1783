using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Insights;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The seams the sources plug into: any object store is read the same way as local disk, and rows a source
/// aggregated itself (Athena, Cost Explorer) build the same result as the line items they stand for.
/// </summary>
public class SourceSeamTests
{
    /// <summary>
    /// A store that is not the file system: objects held in memory under keys of its own, opened as streams that
    /// are neither FileStreams nor MemoryStreams and that return short reads, as a network stream may.
    /// </summary>
    private sealed class MemoryStore : IObjectStore
    {
        private readonly Dictionary<string, byte[]> _objects;
        public List<string> Opened { get; } = new();
        public List<IReadOnlyList<string>> Prepared { get; } = new();

        public MemoryStore(string folder, string prefix) =>
            _objects = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .ToDictionary(f => prefix + Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes);

        public string Description => "memory://test";
        public string Identity => "memory";

        public Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<StoredObject>>(_objects.Select(o => new StoredObject(o.Key, o.Value.Length, DateTimeOffset.UnixEpoch, $"etag-{o.Key.GetHashCode():x}")).ToList());

        public Task PrepareAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct)
        {
            lock (Prepared) Prepared.Add(objects.Select(o => o.Key).ToList());
            return Task.CompletedTask;
        }

        public Task<Stream> OpenReadAsync(StoredObject obj, CancellationToken ct)
        {
            lock (Opened) Opened.Add(obj.Key);
            return Task.FromResult<Stream>(new ShortReadStream(_objects[obj.Key]));
        }

        public ExportLocation Locate(string exportRoot) => new($"memory://{exportRoot}", null, null);
        public void Dispose() { }
    }

    /// <summary>A read-only, seekable stream that hands out at most 1000 bytes per read.</summary>
    private sealed class ShortReadStream(byte[] data) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => _position = value; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Max(0, Math.Min(Math.Min(count, 1000), data.Length - _position));
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => data.Length + offset,
        };
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static readonly CostQuery[] Queries =
    {
        new() { BillingPeriods = new[] { "2026-05", "2026-06" }, GroupBy = new[] { new GroupDimension(Dimension.Principal), new GroupDimension(Dimension.Model), new GroupDimension(Dimension.TokenType) } },
        new() { GroupBy = new[] { GroupDimension.Parse("iamPrincipal/team"), new GroupDimension(Dimension.Day) }, CostBasis = CostBasis.NetUnblended },
    };

    [Fact]
    public async Task A_store_that_is_not_the_file_system_is_read_exactly_like_local_disk()
    {
        foreach (var query in Queries)
        {
            var store = new MemoryStore(EngineTests.SamplePath, "exports/bedrock-cur/");
            using var source = new CurSource(store);
            var fromMemory = await source.QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
            var fromDisk = await CurSource.Local(new[] { EngineTests.SamplePath }).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);

            Assert.Equal(Describe(fromDisk), Describe(fromMemory));
            // ...and both are the sample's truth, not merely the same as each other.
            if (query.GroupBy[0].Kind == Dimension.Principal)
                Truth.AssertGroups(fromMemory.Rows.Where(r => r.IsAttributed), r => r.Principal!,
                    Truth.Periods.SelectMany(p => Truth.Of(p).Principals).GroupBy(p => p.Principal).Select(g => (g.Key, g.Select(p => p.Figures).Aggregate(Truth.Plus))),
                    net: false, "principal");
            else
                Truth.AssertGroups(fromMemory.Rows, r => r.Tags["iamPrincipal/team"], Truth.Keyed(Truth.Of("2026-06").Teams, Aggregator.Untagged), net: true, "team");
            Assert.Equal(fromDisk.RowsScanned, fromMemory.RowsScanned);
            Assert.Equal(fromDisk.FilesRead, fromMemory.FilesRead);
            // The store prepared exactly the data files it was then asked to open, before opening them.
            var dataOpened = store.Opened.Where(k => ExportLayout.IsDataFile(k)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(dataOpened, store.Prepared.SelectMany(p => p).Order(StringComparer.Ordinal));
            Assert.Equal(fromMemory.FilesRead, dataOpened.Count);
        }
    }

    [Fact]
    public async Task Export_inspection_reads_any_store_and_locates_exports_through_it()
    {
        using var source = new CurSource(new MemoryStore(EngineTests.SamplePath, "exports/bedrock-cur/"));
        var fromMemory = (await ExportInspector.InspectAsync(source, NullOperationContext.Instance, CancellationToken.None)).Single();
        var fromDisk = (await ExportInspector.InspectAsync(CurSource.Local(new[] { EngineTests.SamplePath }), NullOperationContext.Instance, CancellationToken.None)).Single();

        Assert.Equal("memory://exports/bedrock-cur", fromMemory.Location);
        Assert.Null(fromMemory.S3Uri);
        Assert.Equal(fromDisk.BillingPeriods, fromMemory.BillingPeriods);
        Assert.Equal(fromDisk.Files, fromMemory.Files);
        Assert.Equal(fromDisk.PrincipalLineItems, fromMemory.PrincipalLineItems);
        Assert.Equal(fromDisk.PrincipalTagKeys, fromMemory.PrincipalTagKeys);
        Assert.True(fromMemory.PrincipalLineItems > 0);
        Assert.NotEmpty(fromMemory.PrincipalTagKeys);
    }

    [Fact]
    public void Each_data_file_is_identified_by_its_store_key_and_version()
    {
        var store = new MemoryStore(EngineTests.SamplePath, "x/");
        var obj = new StoredObject("x/data/f.parquet", 10, DateTimeOffset.UnixEpoch, "abc");
        Assert.Equal(new FileIdentity("memory", "x/data/f.parquet", "abc"), new CurDataFile(store, obj, "2026-06").Identity);
        Assert.Equal(new CurDataFile(store, obj, null).Identity, new CurDataFile(store, obj with { }, "2026-06").Identity);
        Assert.NotEqual(new CurDataFile(store, obj, null).Identity, new CurDataFile(store, obj with { ETag = "def" }, null).Identity);
        // Without an ETag (local files) the size and time are the version.
        Assert.NotEqual(new CurDataFile(store, obj with { ETag = null }, null).Identity, new CurDataFile(store, obj with { ETag = null, Size = 11 }, null).Identity);
    }

    /// <summary>Line items as a CUR export holds them: several principals, token directions, credits, tax, Marketplace, tags, two days.</summary>
    private static List<LineItem> CurLineItems()
    {
        var items = new List<LineItem>();
        var principals = new[] { "arn:aws:iam::111122223333:user/alice", "arn:aws:sts::111122223333:assumed-role/Ml/bob", null };
        var usageTypes = new[]
        {
            ("USE1-Claude4.6Sonnet-input-tokens", "1K tokens"), ("USE1-Claude4.6Sonnet-output-tokens", "1K tokens"),
            ("USE1-NovaLite2.0-cache-read-input-token-count", "1K tokens"), ("USE1-MP:USE1_InputTokenCount-Units", "Units"),
        };
        var n = 0;
        foreach (var day in new[] { 1, 2 })
        foreach (var principal in principals)
        foreach (var (usageType, unit) in usageTypes)
        for (var copy = 0; copy < 3; copy++)
        {
            n++;
            var marketplace = usageType.Contains("MP:");
            items.Add(new LineItem
            {
                BillingPeriod = "2026-06",
                UsageStart = new DateTime(2026, 6, day, copy, 0, 0, DateTimeKind.Utc),
                Account = "111122223333",
                LineItemType = "Usage",
                ProductCode = marketplace ? "prod-abc" : "AmazonBedrock",
                UsageType = usageType,
                Principal = principal,
                Currency = "USD",
                PricingUnit = unit,
                ProductModel = marketplace ? "Claude Sonnet 4.6 (Amazon Bedrock Edition)" : null,
                Marketplace = marketplace,
                UsageAmount = 1.25m * n,
                UnblendedCost = 0.1234567890123m * n,
                NetUnblendedCost = 0.1m * n,
                Tags = new[] { principal is null ? null : principal.EndsWith("alice") ? "ml" : "web" },
            });
        }
        foreach (var type in new[] { "Credit", "Tax", "Credit" })
            items.Add(new LineItem
            {
                BillingPeriod = "2026-06", UsageStart = new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc), Account = "111122223333",
                LineItemType = type, ProductCode = "AmazonBedrock", UsageType = "USE1-Claude4.6Sonnet-input-tokens", Currency = "USD",
                UnblendedCost = type == "Tax" ? 1.5m : -2.25m, NetUnblendedCost = type == "Tax" ? 1.5m : -2.25m,
            });
        return items;
    }

    /// <summary>What Athena returns for the same data: one row per combination of the raw columns, with SUM and COUNT(*).</summary>
    private static List<LineItem> PreAggregated(IEnumerable<LineItem> items) =>
        items.GroupBy(i => (i.BillingPeriod, Day: i.UsageStart.Date, i.Account, i.LineItemType, i.ProductCode, i.UsageType, i.Principal, i.Currency,
                i.PricingUnit, i.ProductModel, i.Marketplace, Tag: i.Tags?[0]))
            .Select(g => new LineItem
            {
                BillingPeriod = g.Key.BillingPeriod, UsageStart = g.Key.Day, Account = g.Key.Account, LineItemType = g.Key.LineItemType,
                ProductCode = g.Key.ProductCode, UsageType = g.Key.UsageType, Principal = g.Key.Principal, Currency = g.Key.Currency,
                PricingUnit = g.Key.PricingUnit, ProductModel = g.Key.ProductModel, Marketplace = g.Key.Marketplace,
                Tags = g.Key.Tag is null ? null : new[] { g.Key.Tag },
                UsageAmount = g.Sum(i => i.UsageAmount), UnblendedCost = g.Sum(i => i.UnblendedCost), NetUnblendedCost = g.Sum(i => i.NetUnblendedCost),
                Count = g.LongCount(),
            })
            .ToList();

    public static TheoryData<string> Groupings => new() { "Principal", "Model,TokenType", "Person,Day", "iamPrincipal/team,Account", "UsageType" };

    [Theory]
    [MemberData(nameof(Groupings))]
    public void Pre_aggregated_rows_build_the_same_result_as_the_line_items_they_stand_for(string groupBy)
    {
        var query = new CostQuery { GroupBy = groupBy.Split(',').Select(GroupDimension.Parse).ToArray(), Tags = new Dictionary<string, string>() };
        CostResult Build(IEnumerable<LineItem> items)
        {
            var aggregator = new Aggregator(query);
            Assert.Equal(query.TagKeysNeeded.Count, aggregator.TagKeys.Length);
            foreach (var item in items) aggregator.Add(Retag(item, aggregator.TagKeys));
            return aggregator.ToResult("test", NullOperationContext.Instance);
        }
        var items = CurLineItems();
        var pre = PreAggregated(items);
        Assert.True(pre.Count < items.Count / 2, "the pre-aggregated rows must really stand for several line items each");

        var fromItems = Build(items);
        var fromGroups = Build(pre);

        Assert.Equal(Describe(fromItems), Describe(fromGroups));
        // ...and both add up to the items the test made.
        Assert.Equal(items.Sum(i => i.UnblendedCost), fromGroups.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(items.Sum(i => i.NetUnblendedCost), fromGroups.BedrockTotals.Single().NetUnblendedCost);
        Assert.Equal(items.Sum(i => i.UnblendedCost), fromGroups.Rows.Sum(r => r.Cost));
        Assert.Equal(items.Count, fromGroups.BedrockLineItems);
        Assert.Equal(items.Count, fromGroups.Rows.Sum(r => r.LineItemCount));
        Assert.Contains(fromGroups.Rows, r => !r.IsAttributed);
        Assert.Contains(fromGroups.Rows, r => r.InputTokens > 0);
    }

    /// <summary>The generated items carry the team tag; a query without tags reads no tag values.</summary>
    private static LineItem Retag(LineItem item, string[] tagKeys)
    {
        item.Tags = tagKeys.Length == 0 ? null : item.Tags;
        return item;
    }

    [Fact]
    public void Rows_of_a_source_without_principals_are_never_unattributed_and_zero_rows_that_stand_for_nothing_are_dropped()
    {
        var query = new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.Model) } };
        var aggregator = new Aggregator(query, rowsFiltered: true);
        aggregator.CoverPeriods(new[] { "2026-05", "2026-06" });
        aggregator.Add(new LineItem { BillingPeriod = "2026-06", Model = "Claude 3.5 Sonnet", Currency = "USD", UnblendedCost = 5m, NetUnblendedCost = 4m, Count = 0, PrincipalData = PrincipalData.NotInSource });
        aggregator.Add(new LineItem { BillingPeriod = "2026-06", Model = "(Amazon Bedrock)", Currency = "USD", Count = 0, PrincipalData = PrincipalData.NotInSource });
        var result = aggregator.ToResult("test", NullOperationContext.Instance, hasPrincipalData: false);

        var row = Assert.Single(result.Rows);
        Assert.Equal("Claude 3.5 Sonnet", row.Model); // the source's own name, not renormalised
        Assert.True(row.IsAttributed);
        Assert.Equal(0, row.LineItemCount);
        Assert.Equal(new[] { "2026-05", "2026-06" }, result.BillingPeriods);
        Assert.Equal(5m, result.BedrockTotals.Single().AttributedUnblendedCost);
    }

    [Fact]
    public void Insights_and_chargebacks_ask_the_source_what_it_can_group_by()
    {
        var team = GroupDimension.Parse("iamPrincipal/team");
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKIAEXAMPLE", SecretKey: "secret", Region: "us-east-1", EndpointUrl: "http://127.0.0.1:9"));
        using var source = new CostExplorerSource(CostExplorerSource.CreateClient(connection));
        var costExplorer = source.Capabilities;
        Assert.Equal(new[] { team, new GroupDimension(Dimension.Model), new GroupDimension(Dimension.Day) },
            DailyCostSet.QueryDimensions(new[] { team }, costExplorer));
        Assert.Equal(new[] { team, new GroupDimension(Dimension.Model), new GroupDimension(Dimension.TokenType), new GroupDimension(Dimension.Day) },
            DailyCostSet.QueryDimensions(new[] { team }, SourceCapabilities.CurFiles));
        Assert.False(costExplorer.CanGroupBy(Dimension.Principal));
        Assert.False(costExplorer.HasTokens);
        Assert.True(costExplorer.UpToToday);
        Assert.True(SourceCapabilities.CurFiles.ReadsFiles);
    }

    private static string Describe(CostResult r) => string.Join("\n",
        r.Rows.Select(x => $"{x.Group}|{x.Principal}|{x.Person}|{x.Model}|{x.TokenType}|{x.Day:yyyy-MM-dd}|{x.UnattributedReason}|{x.Currency}|{x.Cost}|{x.UnblendedCost}|{x.NetUnblendedCost}|{x.InputTokens}|{x.OutputTokens}|{x.CacheReadTokens}|{x.CacheWriteTokens}|{x.LineItemCount}|{x.BillingPeriod}")
            .Append(r.ReconciliationText())
            .Concat(r.BedrockTotals.Select(t => $"{t.Currency}:{t.UnblendedCost}:{t.NetUnblendedCost}:{t.AttributedUnblendedCost}:{t.LineItems}")));
}
