namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Tail probabilities of the Kolmogorov–Smirnov statistics that the two-sample test needs:
/// the two-sided one-sample statistic D_n (scipy's <c>kstwo</c>) and the one-sided D_n+ (scipy's <c>smirnov</c>).
/// </summary>
/// <remarks>
/// The method for each (n, x) follows Simard &amp; L'Ecuyer (2011), "Computing the Two-Sided
/// Kolmogorov-Smirnov Distribution", with the same cut-offs scipy 1.10 uses, because a p-value from a
/// different approximation can differ from scipy's in the 6th digit and we promise agreement to 1e-9:
/// Ruben–Gambino closed forms at the extremes, Durbin's matrix (Marsaglia–Tsang–Wang form) and the
/// Pomeranz recursion for small n·x², Pelz–Good's asymptotic series for large n, and twice the one-sided
/// tail where the two one-sided events cannot overlap.
/// </remarks>
internal static class KolmogorovDistribution
{
    private const int ScaleExponent = 128;
    private static readonly double ScaleUp = Math.ScaleB(1.0, ScaleExponent);
    private static readonly double ScaleDown = Math.ScaleB(1.0, -ScaleExponent);
    private static readonly double Sqrt2Pi = Math.Sqrt(2 * Math.PI);
    private static readonly double Log2Pi = Math.Log(2 * Math.PI);

    /// <summary>Below this exp() underflows to zero in double precision.</summary>
    private const double MinLog = -708.3964185322641;

    /// <summary>Spacing of doubles at 1 (2^-52).</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Pr(D_n ≥ x) for the two-sided one-sample statistic with sample size <paramref name="n"/>.</summary>
    public static double TwoSidedSurvival(int n, double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        // The support of D_n is [1/(2n), 1]; at or below its lower end the statistic always exceeds x.
        if (x <= 0.5 / n) return 1.0;
        if (x >= 1.0) return 0.0;

        var t = n * x;
        if (t <= 1.0)
        {
            // Ruben–Gambino: for 1/(2n) < x <= 1/n the CDF is n!/n^n (2t-1)^n.
            var cdf = n <= 140 ? SmallFactorialProduct(n, 2 * t - 1) : Math.Exp(LogFactorialOverPower(n) + n * Math.Log(2 * t - 1));
            return Clip(1.0 - cdf);
        }
        if (t >= n - 1)
            return Clip(2 * Math.Pow(1.0 - x, n));
        if (x >= 0.5)
            return Clip(2 * SmirnovSurvival(n, x));

        var nxSquared = t * x;
        if (n <= 140)
        {
            if (nxSquared <= 0.754693) return Clip(1.0 - DurbinCdf(n, x));
            if (nxSquared <= 4) return Clip(1.0 - PomeranzCdf(n, x));
            return Clip(2 * SmirnovSurvival(n, x));
        }
        if (nxSquared >= 370.0) return 0.0;
        // Here the two one-sided tails barely overlap, so the survival is twice the one-sided one.
        if (nxSquared >= 2.2) return Clip(2 * SmirnovSurvival(n, x));
        var lower = n <= 100_000 && n * Math.Pow(x, 1.5) <= 1.4 ? DurbinCdf(n, x) : PelzGoodCdf(n, x);
        return Clip(1.0 - lower);
    }

    /// <summary>Pr(D_n+ ≥ x) for the one-sided statistic (Smirnov 1944; Birnbaum &amp; Tingey 1951).</summary>
    public static double SmirnovSurvival(int n, double x)
    {
        if (!(n > 0 && x >= 0.0 && x <= 1.0)) return double.NaN;
        if (n == 1) return 1 - x;
        if (x == 0.0) return 1.0;
        if (x == 1.0) return 0.0;

        var nx = n * x;
        var nxFloor = Math.Floor(nx);
        if (nx <= 1.0)
            return Clip(1.0 - x * Math.Pow(1 + x, n - 1));
        if (-2.0 * n * x * x < MinLog) return 0.0;
        if (nxFloor >= n - 1) return Clip(Math.Pow(1 - x, n));
        if (n > 1_000_000)
        {
            // Too many terms to sum: the refinement of exp(-2nx^2) that scipy also uses beyond a million.
            var logp = -Math.Pow(6.0 * n * x + 1, 2) / 18.0 / n;
            return Clip(logp < -Math.Log(2) ? Math.Exp(logp) : 1.0 - (-ExpM1(logp)));
        }

        // Lower sum: x * sum_{v} C(n,v) (x+v/n)^(v-1) (1-x-v/n)^(n-v), over v with 1-x-v/n > 0.
        // Each term is (x/p) times a binomial probability at p = x+v/n, which Loader's saddle-point
        // form evaluates with full relative accuracy even when C(n,v) and the powers over/underflow.
        var last = n - (int)nxFloor;
        double sum = 0, compensation = 0;
        for (var v = 0; v <= last; v++)
        {
            var p = x + (double)v / n;
            var q = 1.0 - x - (double)v / n;
            if (q <= 0) break;
            var term = BinomialProbability(v, n, p, q) / p;
            var next = sum + term;
            compensation += Math.Abs(sum) >= Math.Abs(term) ? (sum - next) + term : (term - next) + sum;
            sum = next;
            // Rising terms can never pass this test (the sum is at most v times the term), so it only
            // stops past the peak, once all the remaining terms together cannot move the sum.
            if (4.0 * (last - v) * term < MachineEpsilon * sum) break;
        }
        return Clip(x * (sum + compensation));
    }

    /// <summary>Pr(D_n ≤ d) by Durbin's matrix method in the Marsaglia–Tsang–Wang form (power of a (2k-1)² matrix).</summary>
    internal static double DurbinCdf(int n, double d)
    {
        if (d >= 1.0) return 1.0;
        var nd = n * d;
        if (nd <= 0.5) return 0.0;
        var k = (int)Math.Ceiling(nd);
        var h = k - nd;
        var m = 2 * k - 1;

        // First column v[j] = (1 - h^(j+1)) / (j+1)!, last row the same reversed, bands of 1/j! above.
        var v = new double[m];
        var w = new double[m];
        var factorial = 1.0;
        for (var j = 1; j <= m; j++)
        {
            w[j - 1] = factorial;
            factorial /= j;
            v[j - 1] = (1.0 - Math.Pow(h, j)) * factorial;
        }
        var corner = Math.Pow(Math.Max(2 * h - 1.0, 0), m) - 2 * Math.Pow(h, m);
        v[m - 1] = (1.0 + corner) * factorial;

        var matrix = new double[m * m];
        for (var col = 1; col < m; col++)
            for (var row = col - 1; row < m; row++)
                matrix[row * m + col] = w[row - col + 1];
        for (var row = 0; row < m; row++) matrix[row * m] = v[row];
        for (var col = 0; col < m; col++) matrix[(m - 1) * m + col] = v[m - 1 - col];

        // Square-and-multiply, keeping H's scale in a separate power-of-two exponent.
        var power = Identity(m);
        var scratch = new double[m * m];
        int exponent = 0, matrixExponent = 0;
        for (var remaining = n; remaining > 0; remaining /= 2)
        {
            if (remaining % 2 == 1)
            {
                Multiply(power, matrix, scratch, m);
                (power, scratch) = (scratch, power);
                exponent += matrixExponent;
            }
            Multiply(matrix, matrix, scratch, m);
            (matrix, scratch) = (scratch, matrix);
            matrixExponent *= 2;
            if (Math.Abs(matrix[(k - 1) * m + (k - 1)]) > ScaleUp)
            {
                for (var i = 0; i < matrix.Length; i++) matrix[i] /= ScaleUp;
                matrixExponent += ScaleExponent;
            }
        }

        var p = power[(k - 1) * m + (k - 1)];
        // Multiply by n!/n^n one factor at a time, rescaling before it underflows.
        for (var i = 1; i <= n; i++)
        {
            p = i * p / n;
            if (Math.Abs(p) < ScaleDown)
            {
                p *= ScaleUp;
                exponent -= ScaleExponent;
            }
        }
        if (exponent != 0) p = Math.ScaleB(p, exponent);
        return Clip(p);
    }

    /// <summary>Pr(D_n ≤ x) by the Pomeranz (1974) recursion: rows of truncated Poisson convolutions.</summary>
    internal static double PomeranzCdf(int n, double x)
    {
        var t = n * x;
        var whole = (int)Math.Floor(t);
        var frac = t - whole;
        var g = Math.Min(frac, 1.0 - frac);
        var ceilFrac = frac > 0 ? 1 : 0;
        var roundFrac = frac > 0.5 ? 1 : 0;
        var powers = 2 * (whole + 1);

        // (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!: Poisson weights without their normalising factor.
        var gPow = new double[powers];
        var twoGPow = new double[powers];
        var restPow = new double[powers];
        gPow[0] = twoGPow[0] = restPow[0] = 1.0;
        double gn = g / n, twoGn = 2 * g / n, restN = (1 - 2 * g) / n;
        for (var m = 1; m < powers; m++)
        {
            gPow[m] = gPow[m - 1] * gn / m;
            twoGPow[m] = twoGPow[m - 1] * twoGn / m;
            restPow[m] = restPow[m - 1] * restN / m;
        }

        var previous = new double[powers];
        var row = new double[powers];
        row[0] = 1;
        int previousStart = 0, rowStart = 0, exponent = 0;
        var (j1, _) = PomeranzBounds(0, n, whole, ceilFrac, roundFrac);
        for (var i = 1; i < 2 * n + 2; i++)
        {
            var k1 = j1;
            (previous, row) = (row, previous);
            (previousStart, rowStart) = (rowStart, previousStart);
            Array.Clear(row);
            (j1, var j2) = PomeranzBounds(i, n, whole, ceilFrac, roundFrac);
            var weights = i == 1 || i == 2 * n + 1 ? gPow : i % 2 == 1 ? twoGPow : restPow;
            var length = j2 - k1 + 1;
            if (length <= 0) continue;

            // row[0..] = entries [j1-k1, j2-k1] of the full convolution of previous[k1-start ..] with weights[..length].
            var offset = k1 - previousStart;
            var available = Math.Min(length, powers - offset);
            var outStart = j1 - k1;
            var outLength = j2 - j1 + 1;
            var max = 0.0;
            for (var c = 0; c < outLength; c++)
            {
                var at = outStart + c;
                var s = 0.0;
                var lo = Math.Max(0, at - (length - 1));
                var hi = Math.Min(available - 1, at);
                for (var a = lo; a <= hi; a++) s += previous[offset + a] * weights[at - a];
                row[c] = s;
                if (s > max) max = s;
            }
            if (max > 0 && max < ScaleDown)
            {
                for (var c = 0; c < outLength; c++) row[c] *= ScaleUp;
                exponent -= ScaleExponent;
            }
            rowStart = previousStart + j1 - k1;
        }

        var answer = row[n - rowStart];
        for (var m = 1; m <= n; m++)
        {
            if (Math.Abs(answer) > ScaleUp)
            {
                answer *= ScaleDown;
                exponent += ScaleExponent;
            }
            answer *= m;
        }
        if (exponent != 0) answer = Math.ScaleB(answer, exponent);
        return Clip(answer);
    }

    /// <summary>Pr(D_n ≤ x) by the Pelz–Good (1976) series: Li-Chien/Korolyuk terms rewritten for small √n·x.</summary>
    internal static double PelzGoodCdf(int n, double x)
    {
        if (x <= 0.0) return 0.0;
        if (x >= 1.0) return 1.0;
        var z = Math.Sqrt((double)n) * x;
        double z2 = z * z, z3 = z * z * z, z4 = z2 * z2, z6 = z4 * z2;
        var piSquared = Math.PI * Math.PI;
        var piFour = piSquared * piSquared;
        var piSix = piFour * piSquared;

        var qLog = -piSquared / 8 / z2;
        if (qLog < -708) return 0.0;
        var q = Math.Exp(qLog);

        double k1a = -z2, k1b = piSquared / 4;
        double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * piSquared / 4, k2c = piFour * (1 - 2 * z2) / 16;
        double k3d = piSix * (5 - 30 * z2) / 64, k3c = piFour * (-60 * z2 + 212 * z4) / 16;
        double k3b = piSquared * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * Math.Pow(z, 8);

        // Horner over odd m = 2k-1 of c_k q^(m^2): each K_i is q * sum c_i(m) q^(m^2 - 1).
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var maxK = (int)Math.Ceiling(16 * z / Math.PI);
        for (var k = maxK; k > 0; k--)
        {
            double mm = 2 * k - 1, m2 = mm * mm, m4 = m2 * m2, m6 = m4 * m2;
            var qPower = Math.Pow(q, 8 * k);
            s0 = s0 * qPower + 1.0;
            s1 = s1 * qPower + (k1a + k1b * m2);
            s2 = s2 * qPower + (k2a + k2b * m2 + k2c * m4);
            s3 = s3 * qPower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
        }
        s0 = s0 * q * Sqrt2Pi / z;
        s1 = s1 * q * Sqrt2Pi / (6 * z4);
        s2 = s2 * q * Sqrt2Pi / (72 * Math.Pow(z, 7));
        s3 = s3 * q * Sqrt2Pi / (6480 * Math.Pow(z, 10));

        // The sums over all integers k that K_2 and K_3 also carry.
        var qAll = Math.Exp(-piSquared / 2 / z2);
        var sqrt3z = Math.Sqrt(3) * z;
        double extra2 = 0, extra3 = 0;
        for (var k = maxK; k > 0; k--)
        {
            var kSquared = (double)k * k;
            var qp = Math.Pow(qAll, kSquared);
            extra2 += kSquared * qp;
            var kPi = Math.PI * k;
            extra3 += (sqrt3z + kPi) * (sqrt3z - kPi) * kSquared * qp;
        }
        s2 += extra2 * (piSquared * Sqrt2Pi / (-36 * z3));
        s3 += extra3 * (piSquared * Sqrt2Pi / (216 * z6));

        var rootN = Math.Pow(n, 0.5);
        return s0 + s1 / rootN + s2 / Math.Pow(n, 1.0) + s3 / Math.Pow(n, 1.5);
    }

    private static (int J1, int J2) PomeranzBounds(int i, int n, int whole, int ceilFrac, int roundFrac)
    {
        int j1, j2;
        if (i == 0)
        {
            j1 = -whole - ceilFrac - 1;
            j2 = whole + ceilFrac - 1;
        }
        else
        {
            var half = (i + 1) / 2;
            if ((i + 1) % 2 == 0)
            {
                if (half == n + 1)
                {
                    j1 = n - whole - ceilFrac - 1;
                    j2 = n + whole + ceilFrac - 1;
                }
                else
                {
                    j1 = half - 1 - whole - roundFrac - 1;
                    j2 = half + whole - 1 + ceilFrac - 1;
                }
            }
            else
            {
                j1 = half - 1 - whole - 1;
                j2 = half + whole + roundFrac - 1;
            }
        }
        return (Math.Max(j1 + 2, 0), Math.Min(j2, n));
    }

    /// <summary>prod_{i=1..n} (i/n)·c, computed left to right as scipy does for n ≤ 140.</summary>
    private static double SmallFactorialProduct(int n, double c)
    {
        var product = 1.0;
        var inverse = 1.0 / n;
        for (var i = 1; i <= n; i++) product *= i * inverse * c;
        return product;
    }

    /// <summary>log(n!/n^n) from Stirling's series with the n·log(n) removed up front (no cancellation).</summary>
    private static double LogFactorialOverPower(int n)
    {
        ReadOnlySpan<double> coefficients =
        [
            -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ];
        var rn = 1.0 / n;
        var y = rn / n;
        var poly = 0.0;
        foreach (var c in coefficients) poly = poly * y + c;
        return Math.Log(n) / 2 - n + Log2Pi / 2 + rn * poly;
    }

    /// <summary>C(n,k) p^k q^(n-k) with Loader's (2000) saddle-point expansion; accurate for huge n.</summary>
    internal static double BinomialProbability(int k, int n, double p, double q)
    {
        if (p == 0) return k == 0 ? 1 : 0;
        if (q == 0) return k == n ? 1 : 0;
        if (k == 0) return Math.Exp(p < 0.1 ? -DevianceTerm(n, n * q) - n * p : n * Math.Log(q));
        if (k == n) return Math.Exp(q < 0.1 ? -DevianceTerm(n, n * p) - n * q : n * Math.Log(p));
        var lc = StirlingError(n) - StirlingError(k) - StirlingError(n - k) - DevianceTerm(k, n * p) - DevianceTerm(n - k, n * q);
        var lf = Log2Pi + Math.Log(k) + Log1P(-(double)k / n);
        return Math.Exp(lc - 0.5 * lf);
    }

    /// <summary>x·log(x/m) + m − x, evaluated without cancellation when x ≈ m.</summary>
    private static double DevianceTerm(double x, double m)
    {
        if (Math.Abs(x - m) < 0.1 * (x + m))
        {
            var v = (x - m) / (x + m);
            var s = (x - m) * v;
            var ej = 2 * x * v;
            v *= v;
            for (var j = 1; j < 1000; j++)
            {
                ej *= v;
                var s1 = s + ej / (2 * j + 1);
                if (s1 == s) return s1;
                s = s1;
            }
            return s;
        }
        return x * Math.Log(x / m) + m - x;
    }

    /// <summary>log(n!) − log(√(2πn)·(n/e)^n): exact values to 15 (computed with mpmath at 40 digits), series above.</summary>
    private static double StirlingError(int n)
    {
        ReadOnlySpan<double> table =
        [
            0.0, 0.08106146679532725822, 0.041340695955409294094, 0.027677925684998339149,
            0.020790672103765093112, 0.016644691189821192163, 0.013876128823070747999, 0.011896709945891770095,
            0.010411265261972096497, 0.0092554621827127329177, 0.0083305634333628712565, 0.007573675487951840795,
            0.0069428401072095298657, 0.0064089941880042070684, 0.0059513701127588477356, 0.005554733551962801371,
        ];
        if (n <= 15) return table[n];
        const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680, s4 = 1.0 / 1188;
        double nn = (double)n * n;
        if (n > 500) return (s0 - s1 / nn) / n;
        if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
        if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
        return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
    }

    private static double[] Identity(int m)
    {
        var identity = new double[m * m];
        for (var i = 0; i < m; i++) identity[i * m + i] = 1.0;
        return identity;
    }

    /// <summary>result = a·b for row-major m×m matrices (i-k-j order keeps the inner loop contiguous).</summary>
    private static void Multiply(double[] a, double[] b, double[] result, int m)
    {
        Array.Clear(result);
        for (var i = 0; i < m; i++)
        {
            var rowOut = result.AsSpan(i * m, m);
            for (var k = 0; k < m; k++)
            {
                var aik = a[i * m + k];
                if (aik == 0) continue;
                var rowB = b.AsSpan(k * m, m);
                for (var j = 0; j < m; j++) rowOut[j] += aik * rowB[j];
            }
        }
    }

    /// <summary>log(1 + x) without losing x's digits when x is small (Goldberg's correction).</summary>
    internal static double Log1P(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>exp(x) − 1 without cancellation for small x (Kahan's correction).</summary>
    internal static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1.0) return x;
        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    private static double Clip(double p) => double.IsNaN(p) ? p : Math.Clamp(p, 0.0, 1.0);
}
