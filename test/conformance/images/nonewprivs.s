# prints "Effective uid: <euid>\n" and exits 0; static, no libc
.globl _start
.text
_start:
  mov $107, %eax          # geteuid
  syscall
  lea buf_end(%rip), %rsi
  mov $10, %ecx
  movb $10, -1(%rsi)       # trailing newline
  dec %rsi
1:
  xor %edx, %edx
  div %ecx
  add $48, %dl
  dec %rsi
  mov %dl, (%rsi)
  test %eax, %eax
  jnz 1b
  sub $15, %rsi            # prefix
  lea msg(%rip), %rdi
  mov $15, %ecx
2:
  mov -1(%rdi,%rcx), %al
  mov %al, -1(%rsi,%rcx)
  loop 2b
  lea buf_end(%rip), %rdx
  sub %rsi, %rdx           # length
  mov $1, %edi
  mov $1, %eax             # write
  syscall
  mov $60, %eax            # exit(0)
  xor %edi, %edi
  syscall
msg: .ascii "Effective uid: "
.data
buf: .space 40
buf_end:
