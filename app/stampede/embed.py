#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Turn a text file into a C string definition: embed.py INPUT OUTPUT SYMBOL
import sys

src, dst, sym = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as f:
    f.write('/* Generated from %s by embed.py: do not edit. */\n' % src.split('/')[-1])
    f.write('const char %s[] =\n' % sym)
    for line in data.decode('utf-8').splitlines(keepends=True):
        f.write('\t"%s"\n' % line.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n'))
    f.write(';\n')
