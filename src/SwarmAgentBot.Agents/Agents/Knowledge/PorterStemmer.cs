namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// The classic Porter (1980) suffix stripper, the same algorithm SQLite's <c>porter</c> tokenizer
/// applies. The relevance gate and the snippets stem words in C# so that "deploying" in a
/// question meets "deployment" in a passage just as it does inside FTS5.
/// </summary>
public static class PorterStemmer
{
    /// <summary>Stems one lower-case word; words shorter than three letters or with non-letters are returned as they are.</summary>
    public static string Stem(string word)
    {
        if (word.Length < 3 || word.Length > 64) return word;
        foreach (var c in word)
            if (c is < 'a' or > 'z') return word;
        var w = new Word(word.ToCharArray());
        w.Step1A();
        w.Step1B();
        w.Step1C();
        w.Step2();
        w.Step3();
        w.Step4();
        w.Step5();
        return w.ToString();
    }

    private sealed class Word(char[] chars)
    {
        private readonly char[] _b = chars;
        private int _end = chars.Length; // exclusive

        public override string ToString() => new(_b, 0, _end);

        private bool IsConsonant(int i) => _b[i] switch
        {
            'a' or 'e' or 'i' or 'o' or 'u' => false,
            'y' => i == 0 || !IsConsonant(i - 1),
            _ => true,
        };

        /// <summary>m() of the first <paramref name="length"/> letters: the number of VC sequences.</summary>
        private int Measure(int length)
        {
            var n = 0;
            var i = 0;
            while (i < length && IsConsonant(i)) i++;
            while (i < length)
            {
                while (i < length && !IsConsonant(i)) i++;
                if (i >= length) break;
                while (i < length && IsConsonant(i)) i++;
                n++;
            }
            return n;
        }

        private bool HasVowel(int length)
        {
            for (var i = 0; i < length; i++) if (!IsConsonant(i)) return true;
            return false;
        }

        private bool DoubleConsonantAt(int length) =>
            length >= 2 && _b[length - 1] == _b[length - 2] && IsConsonant(length - 1);

        /// <summary>*o: the stem ends consonant-vowel-consonant and the last consonant is not w, x or y.</summary>
        private bool Cvc(int length) =>
            length >= 3 && IsConsonant(length - 1) && !IsConsonant(length - 2) && IsConsonant(length - 3)
            && _b[length - 1] is not ('w' or 'x' or 'y');

        private bool EndsWith(string suffix)
        {
            if (suffix.Length > _end) return false;
            var start = _end - suffix.Length;
            for (var i = 0; i < suffix.Length; i++) if (_b[start + i] != suffix[i]) return false;
            return true;
        }

        private void Replace(string suffix, string with)
        {
            var start = _end - suffix.Length;
            for (var i = 0; i < with.Length; i++) _b[start + i] = with[i];
            _end = start + with.Length;
        }

        public void Step1A()
        {
            if (EndsWith("sses")) Replace("sses", "ss");
            else if (EndsWith("ies")) Replace("ies", "i");
            else if (EndsWith("ss")) { }
            else if (EndsWith("s")) _end--;
        }

        public void Step1B()
        {
            if (EndsWith("eed"))
            {
                if (Measure(_end - 3) > 0) _end--;
                return;
            }
            string? removed = EndsWith("ed") && HasVowel(_end - 2) ? "ed" : EndsWith("ing") && HasVowel(_end - 3) ? "ing" : null;
            if (removed is null) return;
            _end -= removed.Length;
            if (EndsWith("at") || EndsWith("bl") || EndsWith("iz")) Append('e');
            else if (DoubleConsonantAt(_end) && _b[_end - 1] is not ('l' or 's' or 'z')) _end--;
            else if (Measure(_end) == 1 && Cvc(_end)) Append('e');
        }

        private void Append(char c)
        {
            // The buffer only ever grows back by one letter after at least two were removed.
            _b[_end++] = c;
        }

        public void Step1C()
        {
            if (EndsWith("y") && HasVowel(_end - 1)) _b[_end - 1] = 'i';
        }

        private static readonly (string Suffix, string With)[] Step2Rules =
        [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
            ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
            ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
            ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"), ("logi", "log"),
        ];

        private static readonly (string Suffix, string With)[] Step3Rules =
        [
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
        ];

        private static readonly string[] Step4Suffixes =
        [
            "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
        ];

        public void Step2() => ApplyLongest(Step2Rules, 0);

        public void Step3() => ApplyLongest(Step3Rules, 0);

        private void ApplyLongest((string Suffix, string With)[] rules, int minMeasure)
        {
            (string Suffix, string With)? best = null;
            foreach (var rule in rules)
                if (EndsWith(rule.Suffix) && (best is null || rule.Suffix.Length > best.Value.Suffix.Length)) best = rule;
            if (best is { } r && Measure(_end - r.Suffix.Length) > minMeasure) Replace(r.Suffix, r.With);
        }

        public void Step4()
        {
            string? best = null;
            foreach (var s in Step4Suffixes)
                if (EndsWith(s) && (best is null || s.Length > best.Length)) best = s;
            if (best is null) return;
            var stem = _end - best.Length;
            if (Measure(stem) <= 1) return;
            if (best == "ion" && (stem == 0 || _b[stem - 1] is not ('s' or 't'))) return;
            _end = stem;
        }

        public void Step5()
        {
            if (EndsWith("e"))
            {
                var m = Measure(_end - 1);
                if (m > 1 || (m == 1 && !Cvc(_end - 1))) _end--;
            }
            if (EndsWith("ll") && Measure(_end) > 1) _end--;
        }
    }
}
