# Dev-time generator (not part of the build) for the tower-field AES S-box circuit in Sources/SwiftletCrypto/Cipher/AESBitsliced.swift: searches lambda and beta for the fewest XORs, checks the whole circuit against the S-box for all 256 inputs, prints the matrices and the GF(16) inverse ANF. Run: python3 scripts/aes-sbox-tower.py
import itertools
def gmul(a,b):
    r=0
    while b:
        if b&1: r^=a
        a<<=1
        if a&0x100: a^=0x11b
        b>>=1
    return r
def ginv(a):
    return 0 if a==0 else next(c for c in range(1,256) if gmul(a,c)==1)
def rotl(v,n): return ((v<<n)|(v>>(8-n)))&0xff
def sbox(x):
    i=ginv(x); return i^rotl(i,1)^rotl(i,2)^rotl(i,3)^rotl(i,4)^0x63
SB=[sbox(x) for x in range(256)]
assert SB[0]==0x63 and SB[1]==0x7c
def m16(a,b):
    r=0
    for i in range(4):
        if b>>i&1: r^=a<<i
    for k in (6,5,4):
        if r>>k&1: r^=0b10011<<(k-4)
    return r
def tmul(a,b,lam):
    ah,al,bh,bl=a>>4,a&15,b>>4,b&15
    hh=m16(ah,bh)
    return ((hh^m16(ah,bl)^m16(al,bh))<<4)|(m16(hh,lam)^m16(al,bl))
def tpow(a,e,lam):
    r=1
    for _ in range(e): r=tmul(r,a,lam)
    return r
def matcols(f):  # columns: f(e_j) for j in 0..7 (linear f)
    return [f(1<<j) for j in range(8)]
def apply(cols,x):
    r=0
    for j in range(8):
        if x>>j&1: r^=cols[j]
    return r
def inv_cols(cols):
    table={apply(cols,x):x for x in range(256)}
    return [table[1<<j] for j in range(8)]
def ones(cols): return sum(bin(c).count('1') for c in cols)
affine=lambda v: v^rotl(v,1)^rotl(v,2)^rotl(v,3)^rotl(v,4)
best=None
for lam in range(1,16):
    if any(m16(t,t)^t==lam for t in range(16)): continue   # y^2+y+lam reducible
    for beta in range(2,256):
        v=tpow(beta,8,lam)^tpow(beta,4,lam)^tpow(beta,3,lam)^beta^1
        if v: continue
        M=[tpow(beta,j,lam) for j in range(8)]            # AES x^j -> tower beta^j
        Mi=inv_cols(M)
        out=[affine(apply(Mi,1<<j)) for j in range(8)]     # tower -> AES then affine (linear part)
        lamsq=[m16(m16(1<<j,1<<j),lam) for j in range(4)]
        score=ones(M)+ones(out)+sum(bin(c).count('1') for c in lamsq)
        if best is None or score<best[0]: best=(score,lam,beta,M,out,lamsq)
score,lam,beta,M,out,lamsq=best
print("// score",score,"lambda",lam,"beta",hex(beta))
# verify the math: S(x) = out(inv_tower(M x)) ^ 0x63
def tinv(a):
    ah,al=a>>4,a&15
    d=m16(m16(ah,ah),lam)^m16(ah,al)^m16(al,al)
    e=next((c for c in range(16) if m16(d,c)==1),0)
    return (m16(ah,e)<<4)|m16(ah^al,e)
for x in range(256):
    assert apply(out,tinv(apply(M,x)))^0x63==SB[x]
# GF(16) inverse as ANF
inv16=[next((c for c in range(16) if m16(d,c)==1),0) for d in range(16)]
def anf(bits):  # bits: truth table list of 16 -> set of monomials (bitmask of vars)
    f=list(bits)
    for i in range(4):
        for x in range(16):
            if x>>i&1: f[x]^=f[x^(1<<i)]
    return [m for m in range(16) if f[m]]
emit=[]
def row(cols,i,names):
    return " ^ ".join(names[j] for j in range(len(cols)) if cols[j]>>i&1) or "0"
inn=[f"p{j}" for j in range(8)]
for i in range(8):
    nm=f"l{i}" if i<4 else f"h{i-4}"
    emit.append(f"let {nm} = {row(M,i,inn)}")
print("\n".join(emit))
print("// lambda * x^2 on nibble h")
hn=[f"h{j}" for j in range(4)]
for i in range(4):
    print(f"q{i} = {' ^ '.join(hn[j] for j in range(4) if lamsq[j]>>i&1)}")
print("// inverse ANF")
for i in range(4):
    mons=anf([inv16[d]>>i&1 for d in range(16)])
    print(i, [ "".join(f"d{k}" for k in range(4) if m>>k&1) or "1" for m in mons])
print("// output (tower -> AES, affine linear part), then ^0x63")
tn=[f"ol{j}" for j in range(4)]+[f"oh{j}" for j in range(4)]
for i in range(8):
    print(f"p{i} = {'~' if 0x63>>i&1 else ''}({row(out,i,tn)})")
