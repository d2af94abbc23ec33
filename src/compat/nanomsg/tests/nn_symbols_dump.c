/* Prints the library's symbol table (nn_symbol and nn_symbol_info). Run
 * against this library and against nanomsg's by the ABI test. */
#include <stdio.h>

#include <nanomsg/nn.h>

int main(void) {
  struct nn_symbol_properties p;
  int i = 0;
  for (; nn_symbol_info(i, &p, sizeof p) > 0; ++i) {
    int value = 0;
    const char* name = nn_symbol(i, &value);
    printf("%d %s %d %d %d %d %s %d\n", i, p.name, p.value, p.ns, p.type, p.unit,
           name ? name : "(null)", value);
  }
  printf("count %d, past the end: %s\n", i, nn_symbol(i, NULL) ? "a name" : "NULL");
  return 0;
}
