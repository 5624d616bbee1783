using BedrockCost.TestData;
using DuckDB.NET.Data;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The synthetic month's non-Bedrock rows have the shapes of a real month's (see <see cref="NoiseFleet"/> for the
/// sources), checked by DuckDB reading the file the generator wrote, not by the generator's own objects.
/// </summary>
public sealed class SyntheticMonthTests : IDisposable
{
    private static readonly DateTime Period = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("bc-synthetic-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private async Task<string> WriteAsync()
    {
        var file = Path.Combine(_dir, "month.snappy.parquet");
        await CurParquetWriter.WriteAsync(file, SyntheticData.Chunk(Period, 3, 0, 30_000), rowGroupSize: 10_000);
        return file;
    }

    private static object? Scalar(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static long Count(DuckDBConnection c, string file, string where) =>
        Convert.ToInt64(Scalar(c, $"SELECT count(*) FROM read_parquet('{file}') WHERE {where}"));

    [Fact]
    public async Task Noise_rows_have_the_ids_resources_products_and_money_of_a_real_month()
    {
        var file = await WriteAsync();
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        const string Noise = "line_item_product_code IN ('AmazonEC2', 'AmazonS3', 'AWSLambda', 'AmazonCloudWatch')";
        var noise = Count(c, file, Noise);
        Assert.InRange(noise, 27_000, 29_500); // about 95% of the rows

        // Line item ids: 52 base32 characters, one line item (usage type, operation, resource) each, the same in every interval.
        Assert.Equal(0, Count(c, file, "NOT regexp_full_match(identity_line_item_id, '[a-z2-7]{52}')"));
        Assert.Equal(0L, Convert.ToInt64(Scalar(c, $"SELECT count(*) FROM (SELECT identity_line_item_id FROM read_parquet('{file}') WHERE {Noise} " +
            "GROUP BY 1 HAVING count(DISTINCT (line_item_usage_type, line_item_operation, line_item_resource_id, line_item_usage_account_id)) > 1)")));
        var ids = Convert.ToInt64(Scalar(c, $"SELECT count(DISTINCT identity_line_item_id) FROM read_parquet('{file}') WHERE {Noise}"));
        Assert.InRange(ids, 500, noise / 10);

        // Every noise row names its resource, in the form of its service.
        Assert.Equal(0, Count(c, file, Noise + " AND NOT (" +
            "(line_item_usage_type LIKE '%BoxUsage:%' AND regexp_full_match(line_item_resource_id, 'i-0[0-9a-f]{16}')) OR " +
            "(line_item_usage_type LIKE '%EBS:VolumeUsage%' AND regexp_full_match(line_item_resource_id, 'vol-0[0-9a-f]{16}')) OR " +
            "(line_item_usage_type LIKE '%NatGateway%' AND line_item_resource_id LIKE 'arn:aws:ec2:%:natgateway/nat-0%') OR " +
            "(line_item_product_code = 'AWSLambda' AND line_item_resource_id LIKE 'arn:aws:lambda:%:function:%') OR " +
            "(line_item_product_code = 'AmazonCloudWatch' AND line_item_resource_id LIKE 'arn:aws:logs:%:log-group:%') OR " +
            "(line_item_usage_type LIKE '%DataTransfer%' AND line_item_product_code = 'AmazonEC2' AND line_item_resource_id LIKE 'i-0%') OR " +
            "(line_item_product_code = 'AmazonS3' AND regexp_full_match(line_item_resource_id, '[a-z0-9.-]{3,63}')))"));

        // The product map holds the SKU's attributes: an instance's match its static columns.
        Assert.Equal(0, Count(c, file, "line_item_usage_type LIKE '%BoxUsage:%' AND NOT (product['product_name'] = 'Amazon Elastic Compute Cloud' " +
            "AND product['instance_type_family'] = split_part(product_instance_type, '.', 1) AND product['operating_system'] = 'Linux' " +
            "AND cardinality(product) >= 25 AND line_item_availability_zone LIKE product_region_code || '_')"));
        Assert.Equal(0, Count(c, file, "line_item_usage_type LIKE '%EBS:VolumeUsage.gp3' AND product['volume_api_name'] IS DISTINCT FROM 'gp3'"));
        Assert.Equal(0, Count(c, file, Noise + " AND NOT (regexp_full_match(product_sku, '[A-Z0-9]{16}') " +
            "AND pricing_rate_code LIKE product_sku || '.JRTCKXETXF.%' AND regexp_full_match(pricing_rate_id, '[0-9]+') " +
            "AND reservation_subscription_id IS NOT NULL AND line_item_line_item_description IS NOT NULL AND cost_category['business-unit'] IS NOT NULL)"));

        // Money as billed: cost = round(amount x rate, 10), net 5% lower (EDP), rounded the same way; amounts of at most 10 decimals.
        Assert.Equal(0, Count(c, file, Noise + " AND (" +
            "CAST(line_item_unblended_cost AS DECIMAL(38,10)) <> round(CAST(line_item_usage_amount AS DECIMAL(38,10)) * CAST(line_item_unblended_rate AS DECIMAL(38,12)), 10) " +
            "OR CAST(line_item_net_unblended_cost AS DECIMAL(38,10)) <> round(CAST(line_item_unblended_cost AS DECIMAL(38,10)) * 0.95, 10) " +
            "OR CAST(CAST(line_item_usage_amount AS DECIMAL(38,10)) AS DOUBLE) <> line_item_usage_amount)"));
        // Hourly rows; instance hours are whole but for the hours cut short, so their costs repeat, as rate x hours do.
        Assert.Equal(0, Count(c, file, Noise + " AND line_item_usage_end_date - line_item_usage_start_date <> INTERVAL 1 HOUR"));
        Assert.True(Count(c, file, "line_item_usage_type LIKE '%BoxUsage:%' AND line_item_usage_amount = 1") >
                    8 * Count(c, file, "line_item_usage_type LIKE '%BoxUsage:%' AND line_item_usage_amount <> 1"));
        Assert.Equal(0, Count(c, file, Noise + " AND (line_item_iam_principal IS NOT NULL OR line_item_line_item_type <> 'Usage')"));
    }

    [Fact]
    public void Chunks_share_one_fleet_and_are_deterministic()
    {
        string Ids(int chunk) => string.Join(",", SyntheticData.Chunk(Period, 9, chunk, 2000).Select(r => r.LineItemId + r.UnblendedCost.ToString("R")));
        Assert.Equal(Ids(1), Ids(1));
        var a = SyntheticData.Chunk(Period, 9, 0, 5000).Where(r => !r.Truth.Bedrock).Select(r => r.LineItemId).ToHashSet();
        var b = SyntheticData.Chunk(Period, 9, 1, 5000).Where(r => !r.Truth.Bedrock).Select(r => r.LineItemId).ToHashSet();
        Assert.True(a.Intersect(b).Count() > a.Count / 2, "two chunks of a month bill mostly the same line items");
        Assert.Empty(a.Intersect(SyntheticData.Chunk(Period, 10, 0, 5000).Select(r => r.LineItemId)));
    }

    [Fact]
    public void A_month_bills_each_line_item_about_once_an_hour()
    {
        // 2,000,000 rows of May (744 hours), 95% of them not Bedrock: a fleet of about 2,550 line items (whole multiples of the base fleet).
        var lines = NoiseFleet.ForMonth(9, Period, 1_900_000).Lines.Count;
        Assert.InRange(lines, 1_900_000 / 744 * 3 / 4, 1_900_000 / 744 * 5 / 4);
        var ids = SyntheticData.Chunk(Period, 9, 0, 50_000, monthRows: 2_000_000).Where(r => !r.Truth.Bedrock).Select(r => r.LineItemId).Distinct().Count();
        Assert.InRange(ids, NoiseFleet.BaseLines + 1, lines);
    }
}
