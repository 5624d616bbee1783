namespace BedrockCost.Core;

/// <summary>
/// What the core tells its caller while it works. The cmdlet layer marshals these to the
/// PowerShell streams; tests collect them. Implementations must be thread safe.
/// </summary>
public interface IOperationContext
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
    void Progress(ProgressReport report);

    /// <summary>
    /// A non-terminating error: something was left out (a file, line items) and the rest goes on. The cmdlet layer
    /// writes it as an ErrorRecord; a context that has no error stream shows it as a warning.
    /// </summary>
    void Error(BedrockCostException error) => Warning(error.Message);
}

/// <summary>A progress update. <see cref="Completed"/> closes the activity.</summary>
public sealed record ProgressReport(int ActivityId, string Activity, string Status, int PercentComplete, bool Completed = false);

/// <summary>A context that drops everything; for callers that do not listen.</summary>
public sealed class NullOperationContext : IOperationContext
{
    public static readonly NullOperationContext Instance = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { }
    public void Progress(ProgressReport report) { }
    public void Error(BedrockCostException error) { }
}
