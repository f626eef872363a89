namespace SwarmAgentBot.Ml.Tests.Drift;

/// <summary>
/// SplitMix64 draws, identical to SampleGenerator in reference_values.py: only integer ops, +, −, × and sqrt,
/// so C# and Python produce the very same doubles and the scipy reference values apply to our inputs.
/// </summary>
internal sealed class SampleGenerator(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double Uniform() => (Next() >> 11) * (1.0 / 9007199254740992.0);

    /// <summary>Irwin–Hall sum of four uniforms, centred and scaled to unit variance.</summary>
    public double Normal(double mean, double sd)
    {
        var s = Uniform() + Uniform() + Uniform() + Uniform();
        return (s - 2.0) * Math.Sqrt(3.0) * sd + mean;
    }

    public double[] Normals(int n, double mean, double sd)
    {
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = Normal(mean, sd);
        return values;
    }

    /// <summary>floor(u·levels)·scale: values with many ties.</summary>
    public double[] Steps(int n, int levels, double scale)
    {
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = Math.Floor(Uniform() * levels) * scale;
        return values;
    }

    /// <summary>Index i with probability weights[i] / Σ weights.</summary>
    public int[] Categories(int n, params double[] weights)
    {
        var total = weights.Sum();
        var values = new int[n];
        for (var r = 0; r < n; r++)
        {
            var u = Uniform() * total;
            var acc = 0.0;
            var index = weights.Length - 1;
            for (var i = 0; i < weights.Length; i++)
            {
                acc += weights[i];
                if (u < acc) { index = i; break; }
            }
            values[r] = index;
        }
        return values;
    }
}
