using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>
/// The per-input tables the lookup kernels read: for each group of three int8 activations x0, x1, x2, the 27 sums
/// (t0 · x0 + t1 · x1 + t2 · x2) over every ternary t, entry i = (t0 + 1) + 3 (t1 + 1) + 9 (t2 + 1), as int16
/// (|sum| ≤ 384); entries 27–31 are 0. One 64-byte table per group (<see cref="LookupTernaryCodes.TableBytes"/>).
/// </summary>
/// <remarks>Activations past the input's end count as 0, so padding columns add nothing.</remarks>
internal static unsafe class LookupTables
{
    // Entry i's coefficient for x0, x1, x2: (i mod 3) − 1, (i / 3 mod 3) − 1, (i / 9) − 1; 0 past entry 26.
    private static readonly short[] s_coefficients = Coefficients();

    /// <summary>Writes the <paramref name="groups"/> tables of the <paramref name="columns"/> activations at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Build(sbyte* x, int columns, int groups, short* tables)
    {
        if (!Avx512BW.IsSupported)
        {
            BuildReference(x, columns, groups, tables);
            return;
        }
        fixed (short* c = s_coefficients)
        {
            Vector512<short> c0 = Vector512.Load(c), c1 = Vector512.Load(c + 32), c2 = Vector512.Load(c + 64);
            var whole = Math.Min(groups, columns / 3);
            for (var g = 0; g < whole; g++)
            {
                var s = x + 3 * g;
                (c0 * Vector512.Create((short)s[0]) + c1 * Vector512.Create((short)s[1]) + c2 * Vector512.Create((short)s[2]))
                    .Store(tables + g * 32);
            }
            for (var g = whole; g < groups; g++) Entries(x, columns, g, tables);
        }
    }

    /// <summary>The same tables by plain loops.</summary>
    public static void BuildReference(sbyte* x, int columns, int groups, short* tables)
    {
        for (var g = 0; g < groups; g++) Entries(x, columns, g, tables);
    }

    private static void Entries(sbyte* x, int columns, int g, short* tables)
    {
        int x0 = At(x, columns, 3 * g), x1 = At(x, columns, 3 * g + 1), x2 = At(x, columns, 3 * g + 2);
        var table = tables + g * 32;
        for (var i = 0; i < 32; i++)
            table[i] = (short)(s_coefficients[i] * x0 + s_coefficients[32 + i] * x1 + s_coefficients[64 + i] * x2);
    }

    private static int At(sbyte* x, int columns, int k) => k < columns ? x[k] : 0;

    private static short[] Coefficients()
    {
        var c = new short[96];
        for (var i = 0; i < 27; i++)
        {
            c[i] = (short)(i % 3 - 1);
            c[32 + i] = (short)(i / 3 % 3 - 1);
            c[64 + i] = (short)(i / 9 - 1);
        }
        return c;
    }
}
