using System.Text.Json.Nodes;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Classification;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Sources.S3;
using BedrockCost.Core.Sources.Athena;

namespace BedrockCost.Core.DataExports;

/// <summary>A CUR 2.0 export as created (New-BedrockCostExport): its ARN and every setting it was created with.</summary>
public sealed class CostExportDefinition
{
    public string ExportArn { get; init; } = string.Empty;
    public string ExportName { get; init; } = string.Empty;
    /// <summary>Where the export's files will be: s3://bucket/prefix/name (binds to -S3Uri of the cost cmdlets).</summary>
    public string S3Uri { get; init; } = string.Empty;
    public string S3Bucket { get; init; } = string.Empty;
    public string S3Prefix { get; init; } = string.Empty;
    public string S3Region { get; init; } = string.Empty;
    public string QueryStatement { get; init; } = string.Empty;
    public string[] Columns { get; init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, string> TableConfigurations { get; init; } = new Dictionary<string, string>();
    public string Format { get; init; } = LeanExport.Format;
    public string Compression { get; init; } = LeanExport.Format;
    public string Overwrite { get; init; } = LeanExport.Overwrite;
    public string RefreshCadence { get; init; } = LeanExport.Frequency;
}

/// <summary>
/// The Bedrock-only CUR 2.0 export: only the columns the module reads, only the rows that can be Bedrock spend,
/// IAM principal data included, daily, Parquet, overwriting each period. Its statement uses only what the Data
/// Exports user guide documents for QueryStatement ("Data query": column lists, =, !=, &lt;&gt;, AND, OR, NOT, IN and
/// parentheses in WHERE — no LIKE, no functions, no IS NULL).
/// </summary>
public static class LeanExport
{
    public const string Table = "COST_AND_USAGE_REPORT";
    public const string Format = "PARQUET";
    public const string Overwrite = "OVERWRITE_REPORT";
    public const string Frequency = "SYNCHRONOUS";
    public const string DefaultName = "bedrock-cur";

    /// <summary>Every column the readers use, required and optional: one list, so the export cannot drift from the reader.</summary>
    public static IReadOnlyList<string> Columns { get; } = CurColumns.Required.Concat(CurColumns.Optional).Distinct().ToArray();

    /// <summary>
    /// Rows that can be Bedrock spend: the product codes (AgentCore included, so -IncludeAgentCore keeps working),
    /// the product family, any principal, and every Marketplace row. Data Exports SQL has no LIKE, so the
    /// "(Amazon Bedrock Edition)" product name cannot be matched at the source: Marketplace rows are few, and the
    /// module keeps only the Bedrock ones when it reads them (<see cref="RowRules"/>).
    /// </summary>
    public static string QueryStatement { get; } =
        $"SELECT {string.Join(", ", Columns)}\n" +
        $"FROM {Table}\n" +
        $"WHERE {CurColumns.ProductCode} IN ({SqlText.List(BedrockRows.ProductCodes.Append(BedrockRows.AgentCoreProductCode))})\n" +
        $"  OR {CurColumns.ProductFamily} = {SqlText.Literal(BedrockRows.ProductFamily)}\n" +
        $"  OR {CurColumns.BillingEntity} = {SqlText.Literal(BedrockRows.MarketplaceBillingEntity)}\n" +
        $"  OR {CurColumns.IamPrincipal} <> ''";

    /// <summary>CUR 2.0 table settings: IAM principal data on (the principal column), daily rows, no resource ids.</summary>
    public static IReadOnlyDictionary<string, string> TableConfiguration { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["INCLUDE_IAM_PRINCIPAL_DATA"] = "TRUE",
        ["INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY"] = "FALSE",
        ["INCLUDE_RESOURCES"] = "FALSE",
        ["INCLUDE_SPLIT_COST_ALLOCATION_DATA"] = "FALSE",
        ["TIME_GRANULARITY"] = "DAILY",
    };

    /// <summary>The CreateExport request body (no credentials in it: safe to show under -WhatIf).</summary>
    public static JsonObject CreateRequest(string name, S3Location destination, string s3Region, string? description) => new()
    {
        ["Export"] = new JsonObject
        {
            ["Name"] = name,
            ["Description"] = description ?? "Bedrock-only CUR 2.0 export for the BedrockCost PowerShell module",
            ["DataQuery"] = new JsonObject
            {
                ["QueryStatement"] = QueryStatement,
                ["TableConfigurations"] = new JsonObject
                {
                    [Table] = new JsonObject(TableConfiguration.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                },
            },
            ["DestinationConfigurations"] = new JsonObject
            {
                ["S3Destination"] = new JsonObject
                {
                    ["S3Bucket"] = destination.Bucket,
                    ["S3Prefix"] = destination.Prefix.TrimEnd('/'),
                    ["S3Region"] = s3Region,
                    ["S3OutputConfigurations"] = new JsonObject
                    {
                        ["Compression"] = Format, ["Format"] = Format, ["OutputType"] = "CUSTOM", ["Overwrite"] = Overwrite,
                    },
                },
            },
            ["RefreshCadence"] = new JsonObject { ["Frequency"] = Frequency },
        },
    };

    /// <summary>Export names: 1 to 128 of letters, digits and !-_.*'() (the API's pattern).</summary>
    public static string ValidateName(string name)
    {
        if (name.Length is 0 or > 128 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "!-_.*'()".Contains(c)))
            throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"'{name}' is not a valid export name: use 1 to 128 letters, digits and the characters ! - _ . * ' ( ).", name);
        return name;
    }

    public static AwsJsonClient CreateClient(AwsConnection connection, AwsJsonClientOptions? options = null) =>
        new(connection.Credentials, "bcm-data-exports", "us-east-1", "AWSBillingAndCostManagementDataExports",
            new Uri(connection.EndpointUrl ?? "https://bcm-data-exports.us-east-1.api.aws"), options, MapError);

    /// <summary>Creates the export; returns its definition with the ARN AWS gave it.</summary>
    public static async Task<CostExportDefinition> CreateAsync(AwsJsonClient client, string name, S3Location destination, string s3Region,
        string? description, CancellationToken ct)
    {
        var res = await client.InvokeAsync("CreateExport", CreateRequest(name, destination, s3Region, description), ct).ConfigureAwait(false);
        var arn = res.TryGetProperty("ExportArn", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(arn))
            throw new BedrockCostException(ErrorIds.DataExportsInvalidRequest, ErrorKind.InvalidData, "CreateExport answered without an ExportArn.", name);
        return Describe(name, destination, s3Region, arn);
    }

    /// <summary>The definition the request creates (ARN empty until AWS gives one).</summary>
    public static CostExportDefinition Describe(string name, S3Location destination, string s3Region, string arn = "")
    {
        var prefix = destination.Prefix.TrimEnd('/');
        return new CostExportDefinition
        {
            ExportArn = arn,
            ExportName = name,
            S3Uri = $"s3://{destination.Bucket}/{(prefix.Length == 0 ? string.Empty : prefix + "/")}{name}",
            S3Bucket = destination.Bucket,
            S3Prefix = prefix,
            S3Region = s3Region,
            QueryStatement = QueryStatement,
            Columns = Columns.ToArray(),
            TableConfigurations = TableConfiguration,
        };
    }

    /// <summary>Data Exports' error answers: a bucket billing cannot write to, other validation failures, permissions.</summary>
    private static BedrockCostException? MapError(AwsServiceError e)
    {
        var what = $"{e.Code}{(e.Message.Length > 0 ? ": " + e.Message : string.Empty)}";
        if (e.Code == "ValidationException" && e.Message.Contains("bucket", StringComparison.OrdinalIgnoreCase))
            return new(ErrorIds.DataExportsBucketNotWritable, ErrorKind.PermissionDenied,
                $"Data Exports cannot deliver to the bucket ({what}). Its bucket policy must allow the service principals bcm-data-exports.amazonaws.com " +
                "and billingreports.amazonaws.com s3:PutObject on arn:aws:s3:::BUCKET/* and s3:GetBucketPolicy on arn:aws:s3:::BUCKET, " +
                "with aws:SourceAccount your account and aws:SourceArn arn:aws:bcm-data-exports:us-east-1:ACCOUNT:export/* " +
                "(AWS Data Exports user guide, 'Setting up an Amazon S3 bucket for data exports').", e.Operation);
        if (e.Code is "ValidationException" or "ServiceQuotaExceededException")
            return new(ErrorIds.DataExportsInvalidRequest, e.Code == "ValidationException" ? ErrorKind.InvalidArgument : ErrorKind.LimitsExceeded,
                $"Data Exports rejected {e.Operation}: {what}.", e.Operation);
        if (e.Status == 403 || e.Code is "AccessDeniedException" or "UnrecognizedClientException")
            return new(ErrorIds.AwsAccessDenied, ErrorKind.PermissionDenied,
                $"Access denied calling Data Exports {e.Operation}: {what} (HTTP {e.Status}). The credentials need bcm-data-exports:CreateExport " +
                "in the management or a standalone account. Run with -Debug to see which credentials were used.", e.Operation);
        return null;
    }
}
