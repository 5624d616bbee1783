using System.Globalization;
using DuckDB.NET.Data;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>
/// The independent truth of the hostile corpus: DuckDB's sum of the Bedrock line items of Parquet files (the
/// reference's union rule: Bedrock product codes, product family, any principal, Marketplace "(Amazon Bedrock
/// Edition)" products; never AgentCore), over exactly the files given, with every file named as often as given.
/// </summary>
internal static class Truth
{
    /// <summary>Unblended cost and line items of the Bedrock rows of <paramref name="files"/> (finite costs only).</summary>
    public static (decimal Cost, long LineItems) Bedrock(params string[] files)
    {
        if (files.Length == 0) return (0m, 0);
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        // Each file is read on its own and the parts are added, so a file named twice counts twice (a truth for "read twice").
        var parts = string.Join(" UNION ALL BY NAME ", files.Select(f => $"SELECT * FROM read_parquet('{f.Replace("'", "''")}', union_by_name = true)"));
        command.CommandText = $"""
            WITH cur AS ({parts})
            SELECT CAST(coalesce(sum(CAST(line_item_unblended_cost AS DECIMAL(38, 12))), 0) AS VARCHAR), count(*)
            FROM cur
            WHERE isfinite(line_item_unblended_cost)
              AND lower(line_item_product_code) <> 'amazonbedrockagentcore'
              AND (lower(line_item_product_code) IN ('amazonbedrock', 'amazonbedrockservice', 'amazonbedrockfoundationmodels')
                   OR lower(coalesce(product_product_family, '')) = 'amazon bedrock'
                   OR coalesce(line_item_iam_principal, '') <> ''
                   OR (lower(coalesce(bill_billing_entity, '')) = 'aws marketplace'
                       AND (product['product_name'] ILIKE '%(Amazon Bedrock Edition)%' OR product['servicename'] ILIKE '%(Amazon Bedrock Edition)%')))
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return (decimal.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1));
    }

    /// <summary>The number of Bedrock line items of <paramref name="files"/> whose unblended cost is not finite.</summary>
    public static long NonFinite(params string[] files)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet([{string.Join(", ", files.Select(f => "'" + f.Replace("'", "''") + "'"))}]) WHERE NOT isfinite(line_item_unblended_cost)";
        return (long)command.ExecuteScalar()!;
    }
}
