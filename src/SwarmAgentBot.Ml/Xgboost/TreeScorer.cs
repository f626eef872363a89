using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// A gbtree model (boosted trees or a random forest) scored in managed code with XGBoost 1.7's arithmetic: per row,
/// every tree in saved order is walked from its root (a missing value, NaN, takes the node's default direction; otherwise
/// the walk goes left when value &lt; split condition, right otherwise) and its leaf value is added in float to its output
/// group's margin, which starts at the base margin; then the objective's transform. Each in-place XGBoost call parses its
/// array interface and configuration and sets up its thread pool, which for one row of a small bundle costs far more than
/// walking the trees. Use <see cref="TryCreate"/>, which returns a scorer only when it gives XGBoost's own outputs on probe rows.
/// </summary>
public sealed class TreeScorer : IManagedScorer
{
    /// <summary>A node of the flattened trees. Leaves have <see cref="Left"/> = -1 and <see cref="Value"/> = the leaf value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Node(int left, int feature, bool defaultLeft, float value)
    {
        /// <summary>Index of the left child in the flat array (the right child follows it, as XGBoost lays them out); -1 at a leaf.</summary>
        public readonly int Left = left;
        /// <summary>Feature tested; the sign bit set when a missing value goes left.</summary>
        public readonly int Feature = defaultLeft ? feature | int.MinValue : feature;
        /// <summary>Split condition, or the leaf value at a leaf.</summary>
        public readonly float Value = value;
    }

    private readonly Node[] _nodes;
    private readonly int[] _roots;
    private readonly int[] _groups;
    private readonly ModelOutput _output;
    private readonly int _width;

    private TreeScorer(Node[] nodes, int[] roots, int[] groups, ModelOutput output)
    {
        _width = nodes.Where(n => n.Left >= 0).Select(n => (n.Feature & int.MaxValue) + 1).DefaultIfEmpty(0).Max();
        _nodes = nodes;
        _roots = roots;
        _groups = groups;
        _output = output;
    }

    /// <inheritdoc />
    public int Outputs => _output.Outputs;

    /// <summary>Trees in the model.</summary>
    public int Trees => _roots.Length;

    /// <summary>
    /// A scorer for a booster saved as JSON when it is a gbtree model (numerical splits only, one target) with an objective
    /// this class knows (binary:logistic, reg:logistic, reg:squarederror, reg:linear, multi:softprob) whose splits all test
    /// one of <paramref name="columns"/> features and, checked on probe rows (random ones and values on the model's own split
    /// thresholds), it gives what <paramref name="booster"/>'s in-place prediction over every tree gives to within float
    /// rounding; otherwise null (keep predicting with XGBoost). Dart, categorical splits and multi-target trees are refused.
    /// </summary>
    public static TreeScorer? TryCreate(ReadOnlySpan<byte> modelJson, Booster booster, int columns)
    {
        var scorer = Parse(modelJson, columns);
        return scorer is not null && scorer._output.Agrees(columns, (probe, rows) => booster.PredictDense(probe, rows, columns),
            (values, rows, output) => scorer.Score(values, rows, columns, output), scorer.ThresholdRows(columns)) ? scorer : null;
    }

    // dart weighs its trees (and drops some in training): only plain gbtree sums them as they are.
    private static TreeScorer? Parse(ReadOnlySpan<byte> modelJson, int columns) =>
        ModelOutput.ParseModel(modelJson, "gbtree", (model, output) =>
        {
            var trees = model.GetProperty("trees");
            var info = model.GetProperty("tree_info").EnumerateArray().Select(g => g.GetInt32()).ToArray();
            if (info.Length != trees.GetArrayLength() || info.Any(g => g < 0 || g >= output.Outputs)) return null;
            var nodes = new List<Node>();
            var roots = new int[info.Length];
            var t = 0;
            foreach (var tree in trees.EnumerateArray())
            {
                roots[t++] = nodes.Count;
                if (!AddTree(tree, nodes, columns)) return null;
            }
            return new TreeScorer(nodes.ToArray(), roots, info, output);
        });

    /// <summary>Appends one tree's nodes (root first, children indices shifted to the flat array); false when the tree is not one this class walks.</summary>
    private static bool AddTree(JsonElement tree, List<Node> nodes, int columns)
    {
        var parameters = tree.GetProperty("tree_param");
        // A vector leaf (multi-target trees) holds several values per leaf.
        if (parameters.TryGetProperty("size_leaf_vector", out _) && ModelOutput.Number(parameters, "size_leaf_vector") > 1) return false;
        var left = Ints(tree, "left_children");
        var right = Ints(tree, "right_children");
        var features = Ints(tree, "split_indices");
        var defaultLeft = Ints(tree, "default_left");
        var conditions = tree.GetProperty("split_conditions").EnumerateArray().Select(c => c.GetSingle()).ToArray();
        var types = tree.TryGetProperty("split_type", out var st) ? st.EnumerateArray().Select(x => x.GetInt32()).ToArray() : new int[left.Length];
        var count = left.Length;
        if (count == 0 || right.Length != count || features.Length != count || defaultLeft.Length != count || conditions.Length != count || types.Length != count) return false;
        var offset = nodes.Count;
        // Only nodes reachable from the root are checked: pruning leaves deleted nodes in the arrays.
        var reachable = new bool[count];
        reachable[0] = true;
        for (var n = 0; n < count; n++)
        {
            if (!reachable[n] || left[n] == -1)
            {
                nodes.Add(new Node(-1, 0, false, reachable[n] ? conditions[n] : 0f));
                continue;
            }
            // Categorical splits test set membership; XGBoost steps to left + 1 for "right", so the children must be adjacent.
            if (types[n] != 0 || right[n] != left[n] + 1 || left[n] <= n || right[n] >= count) return false;
            if (features[n] < 0 || features[n] >= columns) return false;
            reachable[left[n]] = reachable[right[n]] = true;
            nodes.Add(new Node(offset + left[n], features[n], defaultLeft[n] != 0, conditions[n]));
        }
        return true;
    }

    private static int[] Ints(JsonElement tree, string name) => tree.GetProperty(name).EnumerateArray().Select(x => x.GetInt32()).ToArray();

    /// <summary>
    /// Probe rows on the split thresholds, where &lt; and ≤ differ: each feature at the k-th threshold the trees test it with,
    /// and just below it, for a few k.
    /// </summary>
    private List<float[]> ThresholdRows(int columns)
    {
        var thresholds = new List<float>[columns];
        for (var f = 0; f < columns; f++) thresholds[f] = [];
        foreach (var node in _nodes)
            if (node.Left >= 0 && thresholds[node.Feature & int.MaxValue] is { Count: < 4 } list) list.Add(node.Value);
        var rows = new List<float[]>();
        for (var k = 0; k < 4; k++)
        {
            var on = new float[columns];
            var below = new float[columns];
            for (var f = 0; f < columns; f++)
            {
                var list = thresholds[f];
                on[f] = list.Count == 0 ? 0f : list[k % list.Count];
                below[f] = MathF.BitDecrement(on[f]);
            }
            rows.Add(on);
            rows.Add(below);
        }
        return rows;
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<float> values, int rows, int columns, Span<float> output)
    {
        if (values.Length < rows * columns || output.Length < rows * Outputs) throw new ArgumentException($"Expected {rows}×{columns} values and room for {rows}×{Outputs} outputs.");
        // The walk reads features without bounds checks: every tested feature must lie inside the row.
        if (columns < _width) throw new ArgumentException($"The trees test feature {_width - 1}; rows have {columns} values.", nameof(columns));
        var k = Outputs;
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * columns, columns);
            var scores = output.Slice(r * k, k);
            if (k == 1) scores[0] = SumOneGroup(row, _output.BaseMargin);
            else
            {
                // Every tree adds its leaf to its group's margin in saved order, as XGBoost sums them.
                scores.Fill(_output.BaseMargin);
                for (var t = 0; t < _roots.Length; t++) scores[_groups[t]] += Leaf(_roots[t], row);
            }
            _output.Apply(scores);
        }
    }

    private float SumOneGroup(ReadOnlySpan<float> row, float sum)
    {
        var roots = _roots;
        for (var t = 0; t < roots.Length; t++) sum += Leaf(roots[t], row);
        return sum;
    }

    /// <summary>Walks one tree from <paramref name="n"/> to its leaf. Split features were checked to be below the row width at load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Leaf(int n, ReadOnlySpan<float> row)
    {
        ref var nodes = ref MemoryMarshal.GetArrayDataReference(_nodes);
        ref var rowStart = ref MemoryMarshal.GetReference(row);
        while (true)
        {
            ref readonly var node = ref Unsafe.Add(ref nodes, n);
            if (node.Left < 0) return node.Value;
            var x = Unsafe.Add(ref rowStart, node.Feature & int.MaxValue);
            n = float.IsNaN(x) ? (node.Feature < 0 ? node.Left : node.Left + 1) : x < node.Value ? node.Left : node.Left + 1;
        }
    }
}
