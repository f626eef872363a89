namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>An XGBoost C API call failed; <see cref="Exception.Message"/> carries XGBoost's own explanation.</summary>
public sealed class XgboostException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="operation">The C function that failed, e.g. XGBoosterSetParam.</param>
    /// <param name="nativeMessage">XGBGetLastError's text.</param>
    public XgboostException(string operation, string nativeMessage)
        : base($"XGBoost {operation} failed: {nativeMessage}")
    {
        Operation = operation;
        NativeMessage = nativeMessage;
    }

    /// <summary>The C function that failed.</summary>
    public string Operation { get; }

    /// <summary>XGBoost's message, as returned by XGBGetLastError.</summary>
    public string NativeMessage { get; }
}
