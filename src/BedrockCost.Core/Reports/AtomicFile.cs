namespace BedrockCost.Core.Reports;

/// <summary>
/// Writes a file so that readers see the old file or the complete new one, never half of it: the content goes
/// to a temporary file in the target folder, which is then renamed over the target. On any failure the
/// temporary file is deleted and the target is left as it was.
/// </summary>
public static class AtomicFile
{
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, bool overwrite, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new BedrockCostException(ErrorIds.DestinationNotFound, ErrorKind.NotFound,
                $"Cannot write '{full}': the folder '{folder}' does not exist.", full);
        if (!overwrite && File.Exists(full)) throw Exists(full);

        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await write(stream, ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
                await Checkpoints.ReachAsync(Checkpoints.ReportWritten, full, ct).ConfigureAwait(false);
            }
            ct.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite);
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is OperationCanceledException or BedrockCostException) throw;
            if (!overwrite && File.Exists(full)) throw Exists(full);
            throw new BedrockCostException(ErrorIds.OutputWriteFailed, ErrorKind.WriteError,
                $"Cannot write '{full}': {e.Message} Nothing was written.", full, e);
        }
    }

    private static BedrockCostException Exists(string full) =>
        new(ErrorIds.OutputFileExists, ErrorKind.WriteError,
            $"The file '{full}' already exists. Use -Force to overwrite it.", full);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
