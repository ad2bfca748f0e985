#!/usr/bin/env python3
# The longest functions under a folder (default Sources), by line count: func, init and
# subscript bodies, brace matched with strings and comments left out.
# Usage: scripts/function-lengths.py [FOLDER] [COUNT]
import re,sys,os
# crude Swift function-length measurement: func/init/subscript/computed var bodies, brace matched, strings/comments stripped
decl=re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|override|mutating|nonisolated|final|class|package|@discardableResult)\s+)*(func\s+[^\s(<]+|init[?!]?|subscript|deinit)')
def strip(line, state):
    out=[];i=0
    while i<len(line):
        if state['ml']:
            if line.startswith('"""',i): state['ml']=False;i+=3;continue
            i+=1;continue
        if state['bc']:
            if line.startswith('*/',i): state['bc']=False;i+=2;continue
            i+=1;continue
        if line.startswith('//',i): break
        if line.startswith('/*',i): state['bc']=True;i+=2;continue
        if line.startswith('"""',i): state['ml']=True;i+=3;continue
        c=line[i]
        if c=='"':
            j=i+1
            while j<len(line) and line[j]!='"':
                if line[j]=='\\': j+=1
                j+=1
            i=j+1;out.append('""');continue
        out.append(c);i+=1
    return ''.join(out)
res=[]
if len(sys.argv) < 2: sys.argv.append("Sources")
for root,_,files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith('.swift'): continue
        p=os.path.join(root,f);lines=open(p).read().split('\n')
        st={'ml':False,'bc':False};clean=[strip(l,st) for l in lines]
        for i,l in enumerate(clean):
            m=decl.match(l)
            if not m: continue
            depth=0;started=False;j=i
            while j<len(clean):
                for ch in clean[j]:
                    if ch=='{': depth+=1;started=True
                    elif ch=='}': depth-=1
                if started and depth==0: break
                if not started and j>i+15: break
                j+=1
            if started: res.append((j-i+1,p,i+1,m.group(1)))
res.sort(reverse=True)
n=int(sys.argv[2]) if len(sys.argv)>2 else 15
for r in res[:n]: print(f"{r[0]:5d}  {r[1]}:{r[2]}  {r[3]}")
