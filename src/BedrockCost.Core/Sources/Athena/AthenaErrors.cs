namespace BedrockCost.Core.Sources.Athena;

/// <summary>Stable error ids of the Athena source and the Data Exports client.</summary>
public static class AthenaErrorIds
{
    public const string AthenaInvalidParameter = "AthenaInvalidParameter";
    public const string AthenaTableNotFound = "AthenaTableNotFound";
    public const string AthenaTableNotCur = "AthenaTableNotCur";
    public const string AthenaOutputLocationRequired = "AthenaOutputLocationRequired";
    public const string AthenaQueryFailed = "AthenaQueryFailed";
    public const string AthenaQueryCancelled = "AthenaQueryCancelled";
    public const string AthenaBadResponse = "AthenaBadResponse";
    public const string AthenaResultIncomplete = "AthenaResultIncomplete";
    public const string DataExportsBucketNotWritable = "DataExportsBucketNotWritable";
    public const string DataExportsInvalidRequest = "DataExportsInvalidRequest";
}
