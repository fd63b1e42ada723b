#include <stdio.h>
int main(void) { puts("shapebridge: under construction"); return 0; }
