pragma circom 2.0.0;

// Knows x with y = x^3 + x + k; k and y are public (signals: y, then k).
template Cubic() {
    signal input x;
    signal input k;
    signal output y;
    signal x2;
    x2 <== x * x;
    y <== x2 * x + x + k;
}

component main {public [k]} = Cubic();
