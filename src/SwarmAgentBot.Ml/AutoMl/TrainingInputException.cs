namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>
/// The data or options given to training (or prediction) cannot be used. The message is written for the
/// person who asked: it says what is wrong and, where it can, what to do (e.g. the closest column names).
/// </summary>
public sealed class TrainingInputException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public TrainingInputException(string message, Exception? inner = null) : base(message, inner) { }
}
