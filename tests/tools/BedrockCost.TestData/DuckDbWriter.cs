using DuckDB.NET.Data;

namespace BedrockCost.TestData;

/// <summary>
/// Parquet written by a writer this project did not write: DuckDB's <c>COPY ... TO ... (FORMAT PARQUET)</c>. Each
/// Parquet file of an export tree is rewritten under the same relative path (so the layout and the manifest still
/// hold), with DuckDB's defaults unless <paramref name="options"/> says otherwise (for example
/// <c>COMPRESSION zstd, ROW_GROUP_SIZE 5000, PARQUET_VERSION v2</c>); every other file is copied. The CUR 2.0 schema
/// comes through as it was read (MAP columns, timestamps, doubles, strings).
/// </summary>
public static class DuckDbWriter
{
    public static void RewriteTree(string sourceRoot, string destinationRoot, string? options = null)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (var source in Directory.EnumerateFiles(sourceRoot, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(destinationRoot, Path.GetRelativePath(sourceRoot, source));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (source.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) && new FileInfo(source).Length > 0)
                Rewrite(connection, source, destination, options);
            else
                File.Copy(source, destination, overwrite: true);
        }
    }

    /// <summary>One file: <c>COPY (SELECT * FROM read_parquet(source)) TO destination (FORMAT PARQUET[, options])</c>.</summary>
    public static void Rewrite(string source, string destination, string? options = null)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Rewrite(connection, source, destination, options);
    }

    static void Rewrite(DuckDBConnection connection, string source, string destination, string? options)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY (SELECT * FROM read_parquet({Quote(source)})) TO {Quote(destination)} " +
                              $"(FORMAT PARQUET{(string.IsNullOrWhiteSpace(options) ? "" : ", " + options)})";
        command.ExecuteNonQuery();
    }

    static string Quote(string s) => "'" + s.Replace("'", "''") + "'";
}
